// Lists and counts the public types of built assemblies (top-level public types, and public types nested
// in public types), reading metadata only, so nothing is loaded or run:
//   dotnet fsi tests/public-types.fsx replay/bin/Release/net10.0/Capture.Replay.dll [more.dll ...] [--list]
open System
open System.IO
open System.Reflection
open System.Reflection.Metadata
open System.Reflection.PortableExecutable

let args = fsi.CommandLineArgs |> Array.skip 1
let list = args |> Array.contains "--list"
for path in args |> Array.filter (fun a -> a <> "--list") do
    use pe = new PEReader(File.OpenRead path)
    let md = pe.GetMetadataReader()
    let rec isPublic (h: TypeDefinitionHandle) =
        let t = md.GetTypeDefinition h
        match t.Attributes &&& TypeAttributes.VisibilityMask with
        | TypeAttributes.Public -> true
        | TypeAttributes.NestedPublic -> isPublic (t.GetDeclaringType())
        | _ -> false
    let names =
        [ for h in md.TypeDefinitions do
            let t = md.GetTypeDefinition h
            let name = md.GetString t.Name
            if name <> "<Module>" && isPublic h then
                let ns = md.GetString t.Namespace
                let decl = t.GetDeclaringType()
                if decl.IsNil then yield sprintf "%s.%s" ns name
                else yield sprintf "%s+%s" (md.GetString (md.GetTypeDefinition decl).Name) name ]
    printfn "%s: %d public types" (Path.GetFileName path) names.Length
    if list then names |> List.sort |> List.iter (printfn "  %s")

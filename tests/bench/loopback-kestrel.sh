# Sourced by tls-overhead.sh --server kestrel after loopback-nginx.sh and make_work_dir: a Kestrel HTTPS
# server (tests/bench/kestrel-https, .NET's SslStream over the system's libssl) on a free loopback
# port answering the same small JSON as the nginx of start_nginx.

# start_kestrel: builds and starts the server; sets $port, $url and $kestrel (its PID) once it answers.
start_kestrel() {
  dotnet build "$root/tests/bench/kestrel-https" -c Release -nologo -v q -o "$work/kestrel" > "$work/kestrel-build.log" 2>&1 ||
    { echo "$bench: building the Kestrel server failed: $(tail -n 5 "$work/kestrel-build.log")" >&2; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 -days 1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  dotnet "$work/kestrel/KestrelHttpsServer.dll" "$port" "$work/cert.pem" "$work/key.pem" > "$work/kestrel.out" 2>&1 &
  kestrel=$!
  kill_on_exit+=("$kestrel")
  url="https://127.0.0.1:$port/api"
  for _ in $(seq 300); do curl -skf "$url" >/dev/null && break; sleep 0.1; done
  curl -skf "$url" >/dev/null || { echo "$bench: Kestrel did not start: $(cat "$work/kestrel.out")" >&2; exit 1; }
}

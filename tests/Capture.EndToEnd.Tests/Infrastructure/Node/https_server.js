// A Node.js `https` server on 127.0.0.1 for the end-to-end tests (started by NodeHttpsServer.cs):
// GET /bytes/N answers N bytes of PythonHttpServer.Pattern, POST /echo answers the request body.
// Prints "listening on PORT" once it accepts connections.
'use strict';
const https = require('https');
const fs = require('fs');

const [certificate, key] = process.argv.slice(2);

function pattern(length) {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

const server = https.createServer({ cert: fs.readFileSync(certificate), key: fs.readFileSync(key) }, (request, response) => {
  const chunks = [];
  request.on('data', chunk => chunks.push(chunk));
  request.on('end', () => {
    const bytes = /^\/bytes\/(\d+)$/.exec(request.url);
    const body = bytes ? pattern(Number(bytes[1])) : Buffer.concat(chunks);
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    response.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));

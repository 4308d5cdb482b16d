/* An HTTPS server with OpenSSL linked in statically (no libssl.so in its maps), as Envoy or many
 * Rust and C++ binaries carry it: `static_tls_server CERT KEY`. Prints "listening on PORT", then
 * answers every request on every keep-alive connection with "static-tls:" and the request path. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve(SSL *ssl)
{
    char request[8192];
    size_t used = 0;
    for (;;) {
        int n = SSL_read(ssl, request + used, (int)(sizeof request - 1 - used));
        if (n <= 0)
            return;
        used += (size_t)n;
        request[used] = 0;
        char *end = strstr(request, "\r\n\r\n");
        if (!end)
            continue;
        char path[1024] = "?";
        sscanf(request, "%*s %1023s", path);
        char body[1100], response[1300];
        int body_len = snprintf(body, sizeof body, "static-tls:%s", path);
        int len = snprintf(response, sizeof response, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", body_len, body);
        if (SSL_write(ssl, response, len) <= 0)
            return;
        size_t consumed = (size_t)(end + 4 - request);
        memmove(request, request + consumed, used - consumed);
        used -= consumed;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_file(ctx, argv[1], SSL_FILETYPE_PEM) != 1 || SSL_CTX_use_PrivateKey_file(ctx, argv[2], SSL_FILETYPE_PEM) != 1)
        return 3;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 16) != 0 ||
        getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        return 4;
    printf("listening on %d\n", ntohs(address.sin_port));
    fflush(stdout);
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0)
            continue;
        SSL *ssl = SSL_new(ctx);
        SSL_set_fd(ssl, client);
        if (SSL_accept(ssl) == 1)
            serve(ssl);
        SSL_shutdown(ssl);
        SSL_free(ssl);
        close(client);
    }
}

/* Receiver for the transfer benchmark: accepts connections one after another on 127.0.0.1:<port>,
 * reads each to EOF into a 1 MiB buffer and prints the byte count. Counting only: no copies kept. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 16) != 0) { perror("listen"); return 1; }
  socklen_t length = sizeof address;
  getsockname(listener, (struct sockaddr *)&address, &length);
  printf("port %d\n", ntohs(address.sin_port));
  fflush(stdout);
  static char buffer[1 << 20];
  for (;;) {
    int connection = accept(listener, NULL, NULL);
    if (connection < 0) return 1;
    long long total = 0;
    for (;;) {
      ssize_t n = read(connection, buffer, sizeof buffer);
      if (n <= 0) break;
      total += n;
    }
    close(connection);
    printf("received %lld\n", total);
    fflush(stdout);
  }
}

/* Raw senders for the transfer benchmark: `send sendfile|readwrite <port> <file>...` connects to
 * 127.0.0.1:<port>, prints "ready", waits for one byte on stdin, then moves each file whole, in
 * order, with sendfile(2) or with read(1 MiB) + write, and prints the CPU time (user + sys,
 * microseconds) of the sending alone. Process start, connect and exit stay outside the measured
 * span, as they do for the Node senders, which connect before their timer starts. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int send_file(int sock, const char *path, int use_sendfile) {
  static char buffer[1 << 20];
  int file = open(path, O_RDONLY);
  if (file < 0) { perror(path); return 1; }
  struct stat st;
  fstat(file, &st);
  off_t offset = 0;
  if (use_sendfile) {
    while (offset < st.st_size) {
      ssize_t n = sendfile(sock, file, &offset, st.st_size - offset);
      if (n <= 0) { perror("sendfile"); return 1; }
    }
  } else {
    for (;;) {
      ssize_t n = read(file, buffer, sizeof buffer);
      if (n <= 0) break;
      for (ssize_t done = 0; done < n;) {
        ssize_t w = write(sock, buffer + done, n - done);
        if (w <= 0) { perror("write"); return 1; }
        done += w;
      }
    }
  }
  close(file);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  int use_sendfile = strcmp(argv[1], "sendfile") == 0;
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (connect(sock, (struct sockaddr *)&address, sizeof address) != 0) { perror("connect"); return 1; }
  printf("ready\n");
  fflush(stdout);
  char go;
  if (read(0, &go, 1) != 1) return 1;
  struct rusage before;
  getrusage(RUSAGE_SELF, &before);
  for (int i = 3; i < argc; i++) if (send_file(sock, argv[i], use_sendfile) != 0) return 1;
  close(sock);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  long used = (usage.ru_utime.tv_sec - before.ru_utime.tv_sec) * 1000000L + (usage.ru_utime.tv_usec - before.ru_utime.tv_usec)
    + (usage.ru_stime.tv_sec - before.ru_stime.tv_sec) * 1000000L + (usage.ru_stime.tv_usec - before.ru_stime.tv_usec);
  printf("cpu_us %ld\n", used);
  return 0;
}

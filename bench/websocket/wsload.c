/* WebSocket echo load for bench/websocket.sh, in C so that the load costs
 * little CPU next to the servers it measures (a Node load generator used
 * most of a core of this 2-core machine).
 *
 *   wsload HOST PORT CONNECTIONS BYTES SECONDS [SERVER_PID]
 *
 * Opens CONNECTIONS WebSockets to ws://HOST:PORT/, then each keeps one
 * BYTES-long text message in flight: it sends the next message when the
 * echo of the last one has arrived. After one second of warm-up it counts
 * echoed messages for SECONDS and prints messages per second; given the
 * server's PID, also the server's CPU time per message in microseconds
 * (user + system, from /proc, over the same seconds).
 *
 * One thread, epoll, non-blocking sockets. Every client frame is masked as
 * RFC 6455 requires (with one fixed key: this is a load generator, not a
 * browser). Exits non-zero with a message on stderr if a handshake fails or
 * the server closes a connection. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { kHandshake, kOpen };

typedef struct {
  int fd;
  int state;
  size_t have;     /* bytes in buf */
  size_t sent;     /* bytes of the current outgoing frame written */
  unsigned char *buf;
} Conn;

static unsigned char *frame;  /* the masked message, sent again and again */
static size_t frame_len;
static size_t buf_cap;

static void die(const char *what) {
  fprintf(stderr, "wsload: %s: %s\n", what, errno ? strerror(errno) : "failed");
  exit(1);
}

/* The CPU time (user + system) process `pid` has used, in seconds; -1 if
 * it cannot be read. */
static double cpu_seconds(long pid) {
  char path[64], stat[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(stat, 1, sizeof stat - 1, f);
  fclose(f);
  stat[n] = 0;
  /* Fields after the command (in parentheses, which may hold spaces):
   * state is field 3; utime and stime are fields 14 and 15. */
  char *p = strrchr(stat, ')');
  unsigned long utime, stime;
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes what is left of the outgoing frame; 0 when it is all written,
 * 1 when the socket is full (the rest goes on EPOLLOUT). */
static int push(Conn *c) {
  while (c->sent < frame_len) {
    ssize_t n = write(c->fd, frame + c->sent, frame_len - c->sent);
    if (n < 0) {
      if (errno == EAGAIN) return 1;
      die("write");
    }
    c->sent += (size_t)n;
  }
  return 0;
}

static void send_message(Conn *c, int ep) {
  c->sent = 0;
  if (push(c)) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev)) die("epoll_ctl");
  }
}

/* Consumes whole server frames from c->buf; returns how many complete
 * messages (FIN data frames) it saw. */
static long consume(Conn *c) {
  long messages = 0;
  size_t at = 0;
  for (;;) {
    size_t left = c->have - at;
    if (left < 2) break;
    const unsigned char *p = c->buf + at;
    uint64_t len = p[1] & 0x7f;
    size_t head = 2;
    if (p[1] & 0x80) { fprintf(stderr, "wsload: the server masked a frame\n"); exit(1); }
    if (len == 126) {
      if (left < 4) break;
      len = ((uint64_t)p[2] << 8) | p[3];
      head = 4;
    } else if (len == 127) {
      if (left < 10) break;
      len = 0;
      for (int i = 2; i < 10; i++) len = (len << 8) | p[i];
      head = 10;
    }
    if (head + len > buf_cap) { fprintf(stderr, "wsload: frame of %llu bytes is too big\n", (unsigned long long)len); exit(1); }
    if (left < head + len) break;
    int opcode = p[0] & 0x0f;
    if (opcode == 8) { fprintf(stderr, "wsload: the server closed a connection\n"); exit(1); }
    if ((p[0] & 0x80) && opcode != 9 && opcode != 10) messages++;
    at += head + len;
  }
  memmove(c->buf, c->buf + at, c->have - at);
  c->have -= at;
  return messages;
}

int main(int argc, char **argv) {
  if (argc != 6 && argc != 7) {
    fprintf(stderr, "usage: wsload HOST PORT CONNECTIONS BYTES SECONDS [SERVER_PID]\n");
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]), conns = atoi(argv[3]);
  size_t bytes = (size_t)atol(argv[4]);
  double seconds = atof(argv[5]);
  long server_pid = argc == 7 ? atol(argv[6]) : 0;
  double cpu_from = -1;
  if (port <= 0 || conns <= 0 || seconds <= 0) { fprintf(stderr, "wsload: bad arguments\n"); return 2; }

  /* The frame: FIN + text, MASK + length, the key, the masked payload. */
  static const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  frame = malloc(bytes + 14);
  size_t h = 0;
  frame[h++] = 0x81;
  if (bytes < 126) {
    frame[h++] = 0x80 | (unsigned char)bytes;
  } else if (bytes < 65536) {
    frame[h++] = 0x80 | 126;
    frame[h++] = (unsigned char)(bytes >> 8);
    frame[h++] = (unsigned char)bytes;
  } else {
    frame[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--) frame[h++] = (unsigned char)((uint64_t)bytes >> (8 * i));
  }
  memcpy(frame + h, key, 4);
  h += 4;
  for (size_t i = 0; i < bytes; i++) frame[h + i] = (unsigned char)('x' ^ key[i % 4]);
  frame_len = h + bytes;
  buf_cap = bytes + 64 > 65536 ? bytes + 64 : 65536;

  char request[512];
  int request_len = snprintf(request, sizeof request,
                             "GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                             host, port);

  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) { fprintf(stderr, "wsload: HOST must be an IPv4 address\n"); return 2; }
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  Conn *all = calloc((size_t)conns, sizeof(Conn));

  /* Connect and handshake one at a time, blocking: simple, and not measured. */
  for (int i = 0; i < conns; i++) {
    Conn *c = &all[i];
    c->buf = malloc(buf_cap);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr)) die("connect");
    if (write(c->fd, request, (size_t)request_len) != request_len) die("write handshake");
    for (;;) {
      ssize_t n = read(c->fd, c->buf + c->have, buf_cap - c->have);
      if (n <= 0) die("read handshake");
      c->have += (size_t)n;
      unsigned char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
      if (!end) continue;
      if (c->have < 12 || memcmp(c->buf + 9, "101", 3) != 0) {
        fprintf(stderr, "wsload: handshake refused: %.*s\n", (int)(c->have > 200 ? 200 : c->have), c->buf);
        return 1;
      }
      size_t head = (size_t)(end + 4 - c->buf);
      memmove(c->buf, c->buf + head, c->have - head);
      c->have -= head;
      break;
    }
    c->state = kOpen;
    if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK)) die("fcntl");
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev)) die("epoll_ctl");
  }
  for (int i = 0; i < conns; i++) send_message(&all[i], ep);

  double start = now(), measure_from = start + 1.0, until = measure_from + seconds;
  long counted = 0;
  struct epoll_event events[256];
  for (;;) {
    double t = now();
    if (t >= until) break;
    int n = epoll_wait(ep, events, 256, 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    int measuring = now() >= measure_from;
    if (measuring && server_pid > 0 && cpu_from < 0) cpu_from = cpu_seconds(server_pid);
    for (int i = 0; i < n; i++) {
      Conn *c = events[i].data.ptr;
      if (events[i].events & EPOLLOUT) {
        if (!push(c)) {
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev)) die("epoll_ctl");
        }
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        ssize_t got = read(c->fd, c->buf + c->have, buf_cap - c->have);
        if (got == 0) { fprintf(stderr, "wsload: the server closed a connection\n"); return 1; }
        if (got < 0) {
          if (errno == EAGAIN) continue;
          die("read");
        }
        c->have += (size_t)got;
        long done = consume(c);
        if (done > 0) {
          if (measuring) counted += done;
          send_message(c, ep);
        }
      }
    }
  }
  double cpu_to = server_pid > 0 ? cpu_seconds(server_pid) : -1;
  if (cpu_from >= 0 && cpu_to >= 0 && counted > 0) {
    printf("%.0f %.1f\n", counted / (now() - measure_from), (cpu_to - cpu_from) * 1e6 / counted);
  } else {
    printf("%.0f\n", counted / (now() - measure_from));
  }
  return 0;
}

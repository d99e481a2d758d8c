// ARP request generator for the zero-loss rate benchmarks, in C so that the generator is not the
// ceiling (the Node client topped out at 120k-240k requests/s). Sends who-has TARGET requests from
// one AF_PACKET socket at RATE per second for WINDOW_MS, paced in sendmmsg batches, while a second
// thread counts the replies for TARGET addressed to our MAC. Prints one JSON object:
//   {"rate":R,"sent":N,"replies":M,"achievedRate":A}
// Usage: arp-flood IFNAME SRC_MAC SRC_IP TARGET_IP RATE WINDOW_MS
// Built by bench/lib/arp-flood.ts into the build cache; never committed as a binary.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { batch = 64, frame_len = 42, drain_ms = 200 };

static atomic_int stop_receiving;
static atomic_long replies;

struct target {
  int fd;
  uint8_t mac[6];
  uint8_t ip[4];
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int parse_mac(const char *text, uint8_t mac[6]) {
  return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
                &mac[5]) == 6
             ? 0
             : -1;
}

/** Ethernet broadcast + ARP who-has target_ip tell src_ip (RFC 826), 42 bytes. */
static void build_request(uint8_t *f, const uint8_t mac[6], const uint8_t src_ip[4],
                          const uint8_t target_ip[4]) {
  memset(f, 0xff, 6);
  memcpy(f + 6, mac, 6);
  f[12] = 0x08, f[13] = 0x06;             // EtherType ARP
  f[14] = 0, f[15] = 1;                   // hardware: Ethernet
  f[16] = 0x08, f[17] = 0;                // protocol: IPv4
  f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;  // sizes, opcode request
  memcpy(f + 22, mac, 6);
  memcpy(f + 28, src_ip, 4);
  memset(f + 32, 0, 6);
  memcpy(f + 38, target_ip, 4);
}

/** A reply (opcode 2) from target_ip to our MAC. */
static int is_our_reply(const uint8_t *f, ssize_t len, const struct target *t) {
  return len >= frame_len && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
         memcmp(f + 28, t->ip, 4) == 0 && memcmp(f + 32, t->mac, 6) == 0;
}

static void *count_replies(void *arg) {
  const struct target *t = arg;
  static uint8_t buffers[batch][128];
  struct iovec iov[batch];
  struct mmsghdr msgs[batch];
  for (int i = 0; i < batch; i++) {
    iov[i] = (struct iovec){.iov_base = buffers[i], .iov_len = sizeof buffers[i]};
    msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
  }
  // recvmmsg's own timeout is only checked after a datagram arrives; SO_RCVTIMEO (set in main) is
  // what lets this loop see the stop flag when no frame comes.
  while (!atomic_load(&stop_receiving)) {
    int n = recvmmsg(t->fd, msgs, batch, MSG_WAITFORONE, NULL);
    for (int i = 0; i < n; i++)
      if (is_our_reply(buffers[i], msgs[i].msg_len, t)) atomic_fetch_add(&replies, 1);
  }
  return NULL;
}

/** Sends at `rate` for `window_ms`, never more than one batch ahead of schedule; returns frames sent. */
static long send_paced(int fd, const uint8_t *frame, long rate, double window_ms, double *elapsed) {
  struct iovec iov = {.iov_base = (void *)frame, .iov_len = frame_len};
  struct mmsghdr msgs[batch];
  for (int i = 0; i < batch; i++) msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
  long sent = 0;
  double start = now_ms(), now = start;
  while (now - start < window_ms) {
    long due = (long)(rate * (now - start) / 1000.0) - sent;
    if (due > batch) due = batch;
    if (due > 0) {
      int n = sendmmsg(fd, msgs, (unsigned)due, 0);
      if (n > 0) sent += n;
    }
    now = now_ms();
  }
  *elapsed = now - start;
  return sent;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: arp-flood IFNAME SRC_MAC SRC_IP TARGET_IP RATE WINDOW_MS\n");
    return 2;
  }
  struct target t;
  uint8_t src_ip[4];
  long rate = atol(argv[5]);
  double window_ms = atof(argv[6]);
  unsigned ifindex = if_nametoindex(argv[1]);
  if (!ifindex || parse_mac(argv[2], t.mac) || inet_pton(AF_INET, argv[3], src_ip) != 1 ||
      inet_pton(AF_INET, argv[4], t.ip) != 1 || rate <= 0 || window_ms <= 0) {
    fprintf(stderr, "arp-flood: bad arguments (interface, MAC, IPv4 addresses, rate, window)\n");
    return 2;
  }
  t.fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
  struct sockaddr_ll where = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = (int)ifindex};
  if (t.fd < 0 || bind(t.fd, (struct sockaddr *)&where, sizeof where) < 0) {
    perror("arp-flood: AF_PACKET socket (needs CAP_NET_RAW)");
    return 1;
  }
  // The kernel's qdisc would drop or delay frames under load; the generator measures the responder.
  int one = 1;
  setsockopt(t.fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  int size = 8 << 20;
  setsockopt(t.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  struct timeval wake = {.tv_sec = 0, .tv_usec = 20 * 1000};
  setsockopt(t.fd, SOL_SOCKET, SO_RCVTIMEO, &wake, sizeof wake);
  uint8_t frame[frame_len];
  build_request(frame, t.mac, src_ip, t.ip);
  pthread_t receiver;
  pthread_create(&receiver, NULL, count_replies, &t);
  double elapsed;
  long sent = send_paced(t.fd, frame, rate, window_ms, &elapsed);
  usleep(drain_ms * 1000);
  atomic_store(&stop_receiving, 1);
  pthread_join(receiver, NULL);
  printf("{\"rate\":%ld,\"sent\":%ld,\"replies\":%ld,\"achievedRate\":%ld}\n", rate, sent,
         atomic_load(&replies), (long)(sent * 1000.0 / elapsed));
  close(t.fd);
  return 0;
}

/*
 * resp-ceiling.c - the least a RESP pub/sub server can do per message: a ceiling for the
 * RESP cells of the benchmark matrix, as ../shared/bench/blast.c is for the line cells.
 *
 * Build:  gcc -O2 -o resp-ceiling scripts/resp-ceiling.c
 * Run:    ./resp-ceiling --port 7401 [--lifetime S]
 *
 * Single-threaded, level-triggered epoll on 127.0.0.1. Understands exactly what the meter
 * sends: SUBSCRIBE ch [ch ...] (confirmed as Redis does), PUBLISH ch msg (the message frame
 * "*3 message ch msg" is appended to every subscriber of ch, ":<receivers>" to the
 * publisher) and PING; anything else gets "-ERR". One read() of up to 128 KiB per ready
 * socket, every complete command handled, then one write() per dirty client after each
 * epoll_wait, newest dirty first (the publisher's replies before the fan-out). Output that
 * the kernel refuses waits in an unbounded buffer for EPOLLOUT. No limits, no policy, no
 * logging: not a server, a measuring stick. Exits on SIGTERM/SIGINT or after --lifetime.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RBUF (128 * 1024)
#define MAXFD 65536
#define MAXCH 64
#define MAXARGS 64

typedef struct buf { char *p; size_t off, len, cap; } buf;
typedef struct client { int fd, dirty, out_reg; buf in, out; } client;
typedef struct channel { char name[256]; int len; int *subs; int nsubs, cap; } channel;

static client *clients[MAXFD];
static channel chans[MAXCH];
static int nchans;
static int dirty[MAXFD], ndirty;
static int ep;
static volatile sig_atomic_t stop;

static void on_signal(int s) { (void)s; stop = 1; }

static void put(buf *b, const void *d, size_t n) {
    if (b->len + n > b->cap) {
        if (b->off > 0) { memmove(b->p, b->p + b->off, b->len - b->off); b->len -= b->off; b->off = 0; }
        if (b->len + n > b->cap) {
            size_t c = b->cap ? b->cap : 65536;
            while (c < b->len + n) c *= 2;
            b->p = realloc(b->p, c); b->cap = c;
            if (!b->p) { perror("realloc"); exit(1); }
        }
    }
    memcpy(b->p + b->len, d, n); b->len += n;
}

static void put_num(buf *b, char lead, long v) { /* v >= 0 */
    char t[32]; int i = 30;
    t[31] = '\n'; t[30] = '\r';
    do { t[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    t[--i] = lead;
    put(b, t + i, (size_t)(32 - i));
}

static void mark_dirty(client *c) { if (!c->dirty) { c->dirty = 1; dirty[ndirty++] = c->fd; } }

static channel *find_channel(const char *name, int len, int create) {
    for (int i = 0; i < nchans; i++)
        if (chans[i].len == len && memcmp(chans[i].name, name, (size_t)len) == 0) return &chans[i];
    if (!create || nchans == MAXCH || len > 255) return NULL;
    channel *ch = &chans[nchans++];
    memcpy(ch->name, name, (size_t)len); ch->len = len;
    return ch;
}

static void drop_client(int fd) {
    client *c = clients[fd];
    if (!c) return;
    for (int i = 0; i < nchans; i++)
        for (int j = 0; j < chans[i].nsubs; j++)
            if (chans[i].subs[j] == fd) { chans[i].subs[j] = chans[i].subs[--chans[i].nsubs]; j--; }
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    free(c->in.p); free(c->out.p); free(c);
    clients[fd] = NULL;
}

/* One command of argc arguments (pointers into the input buffer). */
static void run(client *c, int argc, char **argv, long *lens) {
    if (argc == 3 && lens[0] == 7 && strncasecmp(argv[0], "publish", 7) == 0) {
        channel *ch = find_channel(argv[1], (int)lens[1], 0);
        int n = ch ? ch->nsubs : 0;
        for (int i = 0; i < n; i++) {
            client *s = clients[ch->subs[i]];
            put(&s->out, "*3\r\n$7\r\nmessage\r\n", 17);
            put_num(&s->out, '$', lens[1]); put(&s->out, argv[1], (size_t)lens[1]); put(&s->out, "\r\n", 2);
            put_num(&s->out, '$', lens[2]); put(&s->out, argv[2], (size_t)lens[2]); put(&s->out, "\r\n", 2);
            mark_dirty(s);
        }
        put_num(&c->out, ':', n);
    } else if (argc >= 2 && lens[0] == 9 && strncasecmp(argv[0], "subscribe", 9) == 0) {
        for (int a = 1; a < argc; a++) {
            channel *ch = find_channel(argv[a], (int)lens[a], 1);
            if (ch) {
                if (ch->nsubs == ch->cap) { ch->cap = ch->cap ? ch->cap * 2 : 16; ch->subs = realloc(ch->subs, sizeof(int) * (size_t)ch->cap); }
                ch->subs[ch->nsubs++] = c->fd;
            }
            put(&c->out, "*3\r\n$9\r\nsubscribe\r\n", 19);
            put_num(&c->out, '$', lens[a]); put(&c->out, argv[a], (size_t)lens[a]); put(&c->out, "\r\n", 2);
            put_num(&c->out, ':', a);
        }
    } else if (argc >= 1 && lens[0] == 4 && strncasecmp(argv[0], "ping", 4) == 0) {
        put(&c->out, "+PONG\r\n", 7);
    } else {
        put(&c->out, "-ERR unsupported\r\n", 18);
    }
    mark_dirty(c);
}

/* Parses one "*N\r\n$len\r\narg\r\n..." command at p; returns its length, 0 if incomplete, -1 if bad. */
static long parse(char *p, long avail, int *argc, char **argv, long *lens) {
    char *end = p + avail, *q = p;
    if (*q != '*') return -1;
    char *nl = memchr(q, '\n', (size_t)(end - q)); if (!nl) return 0;
    long n = strtol(q + 1, NULL, 10); q = nl + 1;
    if (n < 1 || n > MAXARGS) return -1;
    for (long i = 0; i < n; i++) {
        if (q >= end) return 0;
        if (*q != '$') return -1;
        nl = memchr(q, '\n', (size_t)(end - q)); if (!nl) return 0;
        long len = strtol(q + 1, NULL, 10); q = nl + 1;
        if (len < 0 || end - q < len + 2) return 0;
        argv[i] = q; lens[i] = len; q += len + 2;
    }
    *argc = (int)n;
    return q - p;
}

static void on_readable(client *c, char *rb) {
    ssize_t r = read(c->fd, rb, RBUF);
    if (r <= 0) { if (r == 0 || (errno != EAGAIN && errno != EINTR)) drop_client(c->fd); return; }
    char *p = rb; long avail = r;
    if (c->in.len > c->in.off) { put(&c->in, rb, (size_t)r); p = c->in.p + c->in.off; avail = (long)(c->in.len - c->in.off); }
    int argc; char *argv[MAXARGS]; long lens[MAXARGS];
    long used = 0, k = 0;
    while (used < avail && (k = parse(p + used, avail - used, &argc, argv, lens)) > 0) { run(c, argc, argv, lens); used += k; }
    if (k < 0) { drop_client(c->fd); return; }
    if (p == rb) { if (used < avail) { c->in.off = c->in.len = 0; put(&c->in, rb + used, (size_t)(avail - used)); } }
    else { c->in.off += (size_t)used; if (c->in.off == c->in.len) c->in.off = c->in.len = 0; }
}

static void flush_client(client *c) {
    while (c->out.len > c->out.off) {
        ssize_t w = write(c->fd, c->out.p + c->out.off, c->out.len - c->out.off);
        if (w < 0) { if (errno == EINTR) continue; if (errno != EAGAIN) { drop_client(c->fd); return; } break; }
        c->out.off += (size_t)w;
        if (c->out.off < c->out.len) break;
    }
    int want = c->out.len > c->out.off;
    if (!want) c->out.off = c->out.len = 0;
    if (want != c->out_reg) {
        struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.fd = c->fd };
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev); c->out_reg = want;
    }
}

int main(int argc, char **argv) {
    int port = 7401; long lifetime = 3600;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lifetime") && i + 1 < argc) lifetime = atol(argv[++i]);
        else { fprintf(stderr, "usage: %s [--port N] [--lifetime S]\n", argv[0]); return 2; }
    }
    signal(SIGPIPE, SIG_IGN); signal(SIGTERM, on_signal); signal(SIGINT, on_signal);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 4096)) { perror("listen"); return 1; }
    ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls }, evs[512];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    char *rb = malloc(RBUF);
    time_t until = time(NULL) + lifetime;
    fprintf(stderr, "resp-ceiling: listening on 127.0.0.1:%d\n", port);
    while (!stop && time(NULL) < until) {
        int n = epoll_wait(ep, evs, 512, 1000);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls) {
                int cfd;
                while ((cfd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (cfd >= MAXFD) { close(cfd); continue; }
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    clients[cfd] = calloc(1, sizeof(client)); clients[cfd]->fd = cfd;
                    struct epoll_event ce = { .events = EPOLLIN, .data.fd = cfd };
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ce);
                }
                continue;
            }
            client *c = clients[fd];
            if (c && (evs[i].events & EPOLLOUT)) flush_client(c);
            if ((c = clients[fd]) && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(c, rb);
        }
        for (int i = ndirty - 1; i >= 0; i--) {
            client *c = clients[dirty[i]];
            if (c && c->dirty) { c->dirty = 0; flush_client(c); }
        }
        ndirty = 0;
    }
    return 0;
}

// A UDP socket for Signet's DNS server that reads datagrams with recvmmsg(2) and sends answers with
// sendmmsg(2), up to BATCH a system call, and hands JavaScript a whole batch in one call.
//
// Why by hand: Node's dgram makes, for every datagram, a recvmsg system call into a 64 KB buffer
// allocated for it, a Buffer and an rinfo object, and a call into JavaScript (libuv's recvmmsg is
// behind a flag, UV_UDP_RECVMMSG, that Node never sets). At a million domains on two cores that
// per-datagram path was most of one DNS process's CPU (issue 17: 63% of its profile under the Zipf
// mix was libuv's poll with its recvmsg calls), and it is what NSD, which reads and writes with
// recvmmsg and sendmmsg, does not pay. No npm package offers these calls as a maintained N-API
// addon. This one is small and does no DNS: it moves bytes between the kernel and buffers shared
// with JavaScript (src/dns/batch-udp-socket.ts), which answers.
//
// N-API (ABI-stable): one build runs on every Node line from 20 on. The socket is watched with a
// uv_poll_t on Node's own event loop, so its callbacks come in turn with every other I/O.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

// Datagrams per system call and per call into JavaScript (NSD reads 100 with recvmmsg).
#define BATCH 64
// Bytes kept per received datagram: a query is a few dozen bytes; a longer datagram is marked
// truncated (length -1) and not answered, as no DNS query this server answers is that long.
#define IN_SLOT 4096
// Bytes of answers one send() carries at most; JavaScript sends when the next one would not fit.
#define OUT_BYTES (BATCH * 8192)
// Room for either address family, as struct sockaddr_in6.
#define ADDR_BYTES 28
// recvmmsg rounds per readable event before the event loop gets its turn (TCP, timers, store reads).
#define ROUNDS_PER_EVENT 4

typedef struct {
  uv_poll_t poll;
  int fd;
  int open;
  int closed;   // the loop has let go of the handle (on_closed)
  int wrapped;  // the JavaScript object owns the struct (its finalizer frees it)
  napi_env env;
  napi_ref self;
  napi_ref on_batch;
  napi_async_context context;
  // Shared with JavaScript: owned by ArrayBuffers the wrapper object holds.
  unsigned char *in_data;
  int32_t *in_len;
  unsigned char *in_addr;
  unsigned char *out_data;
  int32_t *out_meta;  // offset, length per answer
  unsigned char *out_addr;
  struct mmsghdr rmsgs[BATCH];
  struct iovec riov[BATCH];
  struct mmsghdr smsgs[BATCH];
  struct iovec siov[BATCH];
} batch_socket;

#define CHECK(call)                          \
  do {                                       \
    napi_status status_ = (call);            \
    if (status_ != napi_ok) return NULL;     \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  // The same `code` as Node's own socket errors (EADDRINUSE, EACCES, ...), which callers test.
  const char *name = uv_err_name(uv_translate_sys_error(err));
  char message[256];
  snprintf(message, sizeof message, "%s %s: %s", what, name, strerror(err));
  napi_throw_error(env, name, message);
  return NULL;
}

static napi_value shared_buffer(napi_env env, napi_value holder, const char *name, size_t bytes, void **data) {
  napi_value buffer;
  if (napi_create_arraybuffer(env, bytes, data, &buffer) != napi_ok) return NULL;
  memset(*data, 0, bytes);
  if (napi_set_named_property(env, holder, name, buffer) != napi_ok) return NULL;
  return buffer;
}

static void finalize(napi_env env, void *data, void *hint) {
  batch_socket *s = (batch_socket *)data;
  // After close the object is collectable only once the loop let go of the handle (on_closed). A
  // socket still open here is its environment going away at the main thread's exit (Signet opens it
  // nowhere else: src/dns/batch-udp-socket.ts refuses worker threads): it is stopped and left to the
  // process's end rather than freed under the loop.
  if (s->closed) {
    free(s);
    return;
  }
  if (s->open) {
    s->open = 0;
    uv_poll_stop(&s->poll);
    close(s->fd);
    s->fd = -1;
  }
}

static napi_value throw_unless_pending(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, message);
  return NULL;
}

static void on_closed(uv_handle_t *handle) {
  batch_socket *s = (batch_socket *)handle->data;
  napi_env env = s->env;
  s->closed = 1;
  if (s->on_batch != NULL) napi_delete_reference(env, s->on_batch);
  if (s->context != NULL) napi_async_destroy(env, s->context);
  // The object may now be collected; its finalizer frees the struct. Never wrapped (an open that
  // failed): nothing else holds it.
  if (s->self != NULL) napi_delete_reference(env, s->self);
  if (!s->wrapped) free(s);
}

// Stops reading and closes the descriptor now: stopped, it is out of the event loop's epoll set
// (uv__poll_stop calls uv__platform_invalidate_fd, an EPOLL_CTL_DEL; libuv's docs: the descriptor
// may be closed right after uv_poll_stop), so the port is free when close() returns, as dgram's is,
// for a server started again on it. The handle itself is released by uv_close's callback.
static void close_now(batch_socket *s) {
  if (!s->open) return;
  s->open = 0;
  uv_poll_stop(&s->poll);
  close(s->fd);
  s->fd = -1;
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

static void call_js(batch_socket *s, int32_t count) {
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value self, fn, arg, result;
  if (napi_get_reference_value(env, s->self, &self) == napi_ok && napi_get_reference_value(env, s->on_batch, &fn) == napi_ok &&
      napi_create_int32(env, count, &arg) == napi_ok) {
    // napi_make_callback: as Node calls any I/O callback, so promise jobs run when it returns.
    if (napi_make_callback(env, s->context, self, fn, 1, &arg, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  batch_socket *s = (batch_socket *)handle->data;
  if (status < 0) {
    // libuv stops the handle on POLLERR (uv__poll_io) and reports UV_EBADF: a pending error on the
    // socket (an ICMP error queued for it), which reading SO_ERROR clears. Reported, then read again,
    // so that UDP is not left unread while TCP goes on.
    call_js(s, status);
    if (!s->open) return;
    int pending = 0;
    socklen_t length = sizeof pending;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &pending, &length);
    if (uv_poll_start(&s->poll, UV_READABLE, on_readable) != 0) call_js(s, UV_EIO);
    return;
  }
  for (int round = 0; round < ROUNDS_PER_EVENT && s->open; round++) {
    for (int i = 0; i < BATCH; i++) s->rmsgs[i].msg_hdr.msg_namelen = ADDR_BYTES;
    int n = recvmmsg(s->fd, s->rmsgs, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) call_js(s, uv_translate_sys_error(errno));
      return;
    }
    for (int i = 0; i < n; i++) {
      struct msghdr *h = &s->rmsgs[i].msg_hdr;
      s->in_len[i] = (h->msg_flags & MSG_TRUNC) ? -1 : (int32_t)s->rmsgs[i].msg_len;
    }
    if (n > 0) call_js(s, n);
    if (n < BATCH) return;
  }
}

// open(ipv6: boolean, host: string, port: number, bufferBytes: number, onBatch: (count) => void): object
// The object carries the shared ArrayBuffers (inData, inLen, inAddr, outData, outMeta, outAddr),
// the bound port, and the constants BATCH, IN_SLOT, OUT_BYTES, ADDR_BYTES.
static napi_value open_socket(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "open(ipv6, host, port, bufferBytes, onBatch)");
    return NULL;
  }
  bool ipv6;
  char host[64];
  size_t host_len;
  int32_t port, buffer_bytes;
  CHECK(napi_get_value_bool(env, argv[0], &ipv6));
  CHECK(napi_get_value_string_utf8(env, argv[1], host, sizeof host, &host_len));
  CHECK(napi_get_value_int32(env, argv[2], &port));
  CHECK(napi_get_value_int32(env, argv[3], &buffer_bytes));

  struct sockaddr_storage addr;
  socklen_t addr_len;
  memset(&addr, 0, sizeof addr);
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) return throw_errno(env, "bind", EINVAL);
    addr_len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&addr;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return throw_errno(env, "bind", EINVAL);
    addr_len = sizeof *a;
  }
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  // As Node's udp6 sockets: IPv4 clients too, as mapped addresses (::ffff:a.b.c.d).
  int off = 0;
  if (ipv6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  // As dgram's recvBufferSize and sendBufferSize (the kernel caps them at rmem_max and wmem_max).
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
  if (bind(fd, (struct sockaddr *)&addr, addr_len) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  int bound_port = ntohs(ipv6 ? ((struct sockaddr_in6 *)&bound)->sin6_port : ((struct sockaddr_in *)&bound)->sin_port);

  batch_socket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "open", ENOMEM);
  }
  s->fd = fd;
  s->env = env;
  napi_value self, value, name;
  uv_loop_t *loop;
  if (napi_create_object(env, &self) != napi_ok ||
      !shared_buffer(env, self, "inData", BATCH * IN_SLOT, (void **)&s->in_data) ||
      !shared_buffer(env, self, "inLen", BATCH * sizeof(int32_t), (void **)&s->in_len) ||
      !shared_buffer(env, self, "inAddr", BATCH * ADDR_BYTES, (void **)&s->in_addr) ||
      !shared_buffer(env, self, "outData", OUT_BYTES, (void **)&s->out_data) ||
      !shared_buffer(env, self, "outMeta", BATCH * 2 * sizeof(int32_t), (void **)&s->out_meta) ||
      !shared_buffer(env, self, "outAddr", BATCH * ADDR_BYTES, (void **)&s->out_addr) ||
      napi_create_int32(env, bound_port, &value) != napi_ok || napi_set_named_property(env, self, "port", value) != napi_ok ||
      napi_create_int32(env, BATCH, &value) != napi_ok || napi_set_named_property(env, self, "BATCH", value) != napi_ok ||
      napi_create_int32(env, IN_SLOT, &value) != napi_ok || napi_set_named_property(env, self, "IN_SLOT", value) != napi_ok ||
      napi_create_int32(env, OUT_BYTES, &value) != napi_ok || napi_set_named_property(env, self, "OUT_BYTES", value) != napi_ok ||
      napi_create_int32(env, ADDR_BYTES, &value) != napi_ok || napi_set_named_property(env, self, "ADDR_BYTES", value) != napi_ok ||
      napi_create_string_utf8(env, "SignetBatchUdpSocket", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    free(s);
    return throw_unless_pending(env, "open: out of memory");
  }
  for (int i = 0; i < BATCH; i++) {
    s->riov[i].iov_base = s->in_data + (size_t)i * IN_SLOT;
    s->riov[i].iov_len = IN_SLOT;
    s->rmsgs[i].msg_hdr.msg_iov = &s->riov[i];
    s->rmsgs[i].msg_hdr.msg_iovlen = 1;
    s->rmsgs[i].msg_hdr.msg_name = s->in_addr + (size_t)i * ADDR_BYTES;
    s->smsgs[i].msg_hdr.msg_iov = &s->siov[i];
    s->smsgs[i].msg_hdr.msg_iovlen = 1;
    s->smsgs[i].msg_hdr.msg_name = s->out_addr + (size_t)i * ADDR_BYTES;
  }
  // uv_poll_init registers the handle with the loop only when it succeeds (it checks the descriptor
  // first); from then on the struct is freed only after uv_close's callback (see finalize).
  if (uv_poll_init(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    return throw_unless_pending(env, "open: uv_poll_init failed");
  }
  s->poll.data = s;
  s->open = 1;
  // Held while open: the poll handle points at the struct the object owns. A failure from here on
  // goes through close_now, whose uv_close callback lets go of what was made.
  if (napi_wrap(env, self, s, finalize, NULL, NULL) != napi_ok || !(s->wrapped = 1) || napi_create_reference(env, self, 1, &s->self) != napi_ok ||
      napi_create_reference(env, argv[4], 1, &s->on_batch) != napi_ok || napi_async_init(env, self, name, &s->context) != napi_ok ||
      uv_poll_start(&s->poll, UV_READABLE, on_readable) != 0) {
    close_now(s);
    return throw_unless_pending(env, "open: could not start reading");
  }
  return self;
}

static batch_socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  void *data;
  if (*argc < 1 || napi_unwrap(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a batch UDP socket");
    return NULL;
  }
  return (batch_socket *)data;
}

// send(socket, count): sends answers 0..count-1 of the out buffers (outMeta: offset and length;
// outAddr: the address, as received). Returns how many the kernel took, or a negative libuv error
// code when it took none for another reason than a full send buffer. What it did not take is dropped,
// as a full buffer drops datagrams anyway: the client asks again (NSD does the same).
static napi_value send_batch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  batch_socket *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  int32_t count;
  CHECK(napi_get_value_int32(env, argv[1], &count));
  if (count < 0 || count > BATCH) {
    napi_throw_range_error(env, NULL, "count out of range");
    return NULL;
  }
  if (!s->open) return throw_errno(env, "send", EBADF);
  for (int i = 0; i < count; i++) {
    int32_t offset = s->out_meta[2 * i], length = s->out_meta[2 * i + 1];
    if (offset < 0 || length < 0 || (int64_t)offset + length > OUT_BYTES) {
      napi_throw_range_error(env, NULL, "answer outside the out buffer");
      return NULL;
    }
    s->siov[i].iov_base = s->out_data + offset;
    s->siov[i].iov_len = (size_t)length;
    sa_family_t family = ((struct sockaddr *)(s->out_addr + (size_t)i * ADDR_BYTES))->sa_family;
    s->smsgs[i].msg_hdr.msg_namelen = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  }
  // taken: datagrams the kernel took; error: the first other failure, which sendmmsg reports on the
  // datagram it stopped at (a bad address fails only its own: it is skipped and the rest go).
  int next = 0, taken = 0, error = 0;
  while (next < count) {
    int n = sendmmsg(s->fd, s->smsgs + next, (unsigned int)(count - next), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (error == 0) error = uv_translate_sys_error(errno);
      next++;
      continue;
    }
    next += n;
    taken += n;
  }
  napi_value out;
  CHECK(napi_create_int32(env, taken == 0 && error != 0 ? error : taken, &out));
  return out;
}

static napi_value close_socket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  batch_socket *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  close_now(s);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"open", NULL, open_socket, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, send_batch, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_socket, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  return exports;
}

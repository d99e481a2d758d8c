// AF_PACKET sockets for the speaker's ARP and NDP responders. The kernel does the filtering (classic
// BPF) and the event loop of the calling thread (the speaker's main thread) drives reads through
// uv_poll, so no thread pool and no promiscuous mode are involved. Everything protocol-aware lives in
// TypeScript; this file only moves frames.
#include <napi.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr int kMaxBatch = 64;  // frames per recvmmsg/sendmmsg and per JS callback
constexpr int kMaxRounds = 4;  // batches per readiness: bounds how long one wake-up holds the loop
constexpr int kReceiveBuffer = 2 * 1024 * 1024;

// Offsets in an untagged Ethernet frame.
constexpr uint32_t kEtherType = 12;
constexpr uint32_t kArpOp = 14 + 6;
constexpr uint32_t kIpv6NextHeader = 14 + 6;
constexpr uint32_t kIpv6HopLimit = 14 + 7;
constexpr uint32_t kIcmpv6Type = 14 + 40;

struct FilterSpec {
  uint16_t ethertype;
  std::vector<sock_filter> program;
};

std::vector<sock_filter> ArpFilter(uint16_t op) {
  return {
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, kEtherType),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_ARP, 0, 3),
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, kArpOp),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, op, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0x40000),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
}

// ICMPv6 directly after the fixed header (NDP messages carry no extension headers) and hop limit 255
// (RFC 4861 7.1.1: anything else was forwarded by a router and must be ignored).
std::vector<sock_filter> NdpFilter(uint8_t icmpType) {
  return {
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, kEtherType),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 0, 7),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, kIpv6NextHeader),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_ICMPV6, 0, 5),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, kIpv6HopLimit),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 255, 0, 3),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, kIcmpv6Type),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, icmpType, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0x40000),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
}

// 'arp' and 'ndp' are what the responder reads; the reply kinds serve tests and benchmarks that play
// the client.
bool SpecFor(const std::string& kind, FilterSpec* spec) {
  if (kind == "arp") *spec = {ETH_P_ARP, ArpFilter(1)};
  else if (kind == "arp-reply") *spec = {ETH_P_ARP, ArpFilter(2)};
  else if (kind == "ndp") *spec = {ETH_P_IPV6, NdpFilter(135)};
  else if (kind == "ndp-advert") *spec = {ETH_P_IPV6, NdpFilter(136)};
  else return false;
  return true;
}

double RealtimeMicros() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PacketSocket",
                       {
                           InstanceMethod<&PacketSocket::AddMembership>("addMembership"),
                           InstanceMethod<&PacketSocket::DropMembership>("dropMembership"),
                           InstanceMethod<&PacketSocket::Send>("send"),
                           InstanceMethod<&PacketSocket::SendBatch>("sendBatch"),
                           InstanceMethod<&PacketSocket::OnFrames>("onFrames"),
                           InstanceMethod<&PacketSocket::Close>("close"),
                       });
  }

  // new PacketSocket(ifname, kind, timestamps)
  PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
      Napi::TypeError::New(env, "PacketSocket(ifname, kind): ifname and kind must be strings")
          .ThrowAsJavaScriptException();
      return;
    }
    std::string ifname = info[0].As<Napi::String>();
    std::string kind = info[1].As<Napi::String>();
    Open(env, ifname, kind, info.Length() > 2 && info[2].ToBoolean());
  }

  ~PacketSocket() override { Shutdown(nullptr); }

 private:
  void Open(Napi::Env env, const std::string& ifname, const std::string& kind, bool timestamps) {
    FilterSpec spec;
    if (!SpecFor(kind, &spec)) {
      Napi::TypeError::New(env, "kind \"" + kind + "\" must be one of arp, arp-reply, ndp, ndp-advert")
          .ThrowAsJavaScriptException();
      return;
    }
    ifindex_ = if_nametoindex(ifname.c_str());
    if (ifindex_ == 0) return Fail(env, "interface \"" + ifname + "\"");
    // Protocol 0 receives nothing until bind, so no unfiltered frame can slip in before the filter.
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return Fail(env, "socket(AF_PACKET) for \"" + ifname + "\"");
    sock_fprog prog = {static_cast<unsigned short>(spec.program.size()), spec.program.data()};
    if (setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) return Fail(env, "SO_ATTACH_FILTER");
    int one = 1;
    if (setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
      return Fail(env, "PACKET_IGNORE_OUTGOING");
    // Capped by net.core.rmem_max; a smaller buffer only means loss sooner under bursts.
    int rcvbuf = kReceiveBuffer;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (timestamps && setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
      return Fail(env, "SO_TIMESTAMPNS");
    timestamps_ = timestamps;
    sockaddr_ll addr = {};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(spec.ethertype);
    addr.sll_ifindex = ifindex_;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
      return Fail(env, "bind to \"" + ifname + "\"");
    dest_ = addr;
    dest_.sll_halen = ETH_ALEN;
    napi_add_async_cleanup_hook(env, &PacketSocket::OnEnvCleanup, this, &cleanupHook_);
  }

  void Fail(Napi::Env env, const std::string& what) {
    std::string message = what + ": " + strerror(errno);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    Napi::Error::New(env, message).ThrowAsJavaScriptException();
  }

  bool CheckOpen(Napi::Env env) {
    if (fd_ >= 0) return true;
    Napi::Error::New(env, "packet socket is closed").ThrowAsJavaScriptException();
    return false;
  }

  Napi::Value Membership(const Napi::CallbackInfo& info, int option, const char* name) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::Uint8Array>().ByteLength() != 6) {
      Napi::TypeError::New(env, std::string(name) + ": mac must be a 6-byte Uint8Array")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto mac = info[0].As<Napi::Uint8Array>();
    packet_mreq mreq = {};
    mreq.mr_ifindex = ifindex_;
    mreq.mr_type = PACKET_MR_MULTICAST;
    mreq.mr_alen = ETH_ALEN;
    memcpy(mreq.mr_address, mac.Data(), ETH_ALEN);
    if (setsockopt(fd_, SOL_PACKET, option, &mreq, sizeof(mreq)) < 0) {
      Napi::Error::New(env, std::string(name) + ": " + strerror(errno)).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  Napi::Value AddMembership(const Napi::CallbackInfo& info) {
    return Membership(info, PACKET_ADD_MEMBERSHIP, "addMembership");
  }
  Napi::Value DropMembership(const Napi::CallbackInfo& info) {
    return Membership(info, PACKET_DROP_MEMBERSHIP, "dropMembership");
  }

  // send(frame) → CLOCK_REALTIME in µs just before the frame left, comparable with receive timestamps.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsTypedArray()) {
      Napi::TypeError::New(env, "send: frame must be a Uint8Array").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto frame = info[0].As<Napi::Uint8Array>();
    double at = RealtimeMicros();
    if (sendto(fd_, frame.Data(), frame.ByteLength(), 0, reinterpret_cast<const sockaddr*>(&dest_),
               sizeof(dest_)) < 0) {
      Napi::Error::New(env, std::string("send: ") + strerror(errno)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, at);
  }

  // sendBatch(buffer, slotSize, lengths, count): frame i is lengths[i] bytes at i * slotSize, all in one
  // sendmmsg. Returns how many frames the kernel took.
  Napi::Value SendBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsTypedArray() ||
        !info[3].IsNumber()) {
      Napi::TypeError::New(env, "sendBatch(buffer, slotSize, lengths, count): wrong argument types")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto buffer = info[0].As<Napi::Uint8Array>();
    size_t slot = info[1].As<Napi::Number>().Uint32Value();
    auto lengths = info[2].As<Napi::Uint32Array>();
    size_t count = info[3].As<Napi::Number>().Uint32Value();
    if (count > lengths.ElementLength() || count * slot > buffer.ByteLength()) {
      Napi::RangeError::New(env, "sendBatch: count exceeds the buffer or the lengths")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    size_t sent = 0;
    while (sent < count) {
      size_t n = std::min<size_t>(count - sent, kMaxBatch);
      mmsghdr msgs[kMaxBatch];
      iovec iovs[kMaxBatch];
      for (size_t i = 0; i < n; i++) {
        size_t index = sent + i;
        iovs[i] = {buffer.Data() + index * slot, std::min<size_t>(lengths[index], slot)};
        msgs[i] = {};
        msgs[i].msg_hdr.msg_name = &dest_;
        msgs[i].msg_hdr.msg_namelen = sizeof(dest_);
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      int done = sendmmsg(fd_, msgs, n, 0);
      if (done <= 0) break;
      sent += done;
    }
    return Napi::Number::New(env, static_cast<double>(sent));
  }

  // onFrames(buffer, lengths, callback, stamps?): on readiness, batches of up to lengths.length (max 64)
  // frames are received into consecutive slots of buffer (slot = buffer.byteLength / lengths.length;
  // longer frames are cut), their sizes into lengths, receive times (µs, CLOCK_REALTIME) into stamps when
  // the socket was opened with timestamps, then callback(count) runs once per batch. The caller owns and
  // reuses the memory, so receiving allocates nothing.
  Napi::Value OnFrames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!CheckOpen(env)) return env.Undefined();
    if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsFunction()) {
      Napi::TypeError::New(env, "onFrames(buffer, lengths, callback, stamps?): wrong argument types")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (poll_ != nullptr) {
      Napi::Error::New(env, "onFrames: already receiving").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto buffer = info[0].As<Napi::Uint8Array>();
    auto lengths = info[1].As<Napi::Uint32Array>();
    slots_ = std::min<size_t>(lengths.ElementLength(), kMaxBatch);
    if (slots_ == 0 || buffer.ByteLength() / lengths.ElementLength() < 64) {
      Napi::RangeError::New(env, "onFrames: need at least one slot of 64 bytes").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    slotSize_ = buffer.ByteLength() / lengths.ElementLength();
    bufferData_ = buffer.Data();
    lengthsData_ = lengths.Data();
    stampsData_ = nullptr;
    if (info.Length() > 3 && info[3].IsTypedArray()) {
      auto stamps = info[3].As<Napi::Float64Array>();
      if (stamps.ElementLength() < slots_) {
        Napi::RangeError::New(env, "onFrames: stamps must have as many entries as lengths")
            .ThrowAsJavaScriptException();
        return env.Undefined();
      }
      stampsData_ = stamps.Data();
      stampsRef_ = Napi::Persistent(info[3].As<Napi::Object>());
    }
    bufferRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    lengthsRef_ = Napi::Persistent(info[1].As<Napi::Object>());
    callback_ = Napi::Persistent(info[2].As<Napi::Function>());
    asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "PacketSocket");
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    poll_ = new uv_poll_t;
    uv_poll_init(loop, poll_, fd_);
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, &PacketSocket::OnReadable);
    Ref();  // a receiving socket stays alive without a JS reference, like any libuv-backed handle
    return env.Undefined();
  }

  static void OnReadable(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<PacketSocket*>(handle->data);
    if (self->fd_ < 0) return;
    if (status < 0) {
      // The interface went down (the kernel sets ENETDOWN on the socket) and libuv stopped polling.
      // Reading SO_ERROR clears it; polling again lets answering resume when the interface is back up.
      int error = 0;
      socklen_t length = sizeof(error);
      getsockopt(self->fd_, SOL_SOCKET, SO_ERROR, &error, &length);
      uv_poll_start(handle, UV_READABLE, &PacketSocket::OnReadable);
      return;
    }
    // Draining a few batches per wake-up keeps up with bursts without a loop iteration per 64 frames.
    for (int round = 0; round < kMaxRounds && self->fd_ >= 0; round++) {
      if (self->ReceiveBatch() < self->slots_) break;
    }
  }

  // Returns how many frames it handed to JS.
  size_t ReceiveBatch() {
    mmsghdr msgs[kMaxBatch];
    iovec iovs[kMaxBatch];
    alignas(cmsghdr) char control[kMaxBatch][CMSG_SPACE(sizeof(timespec))];
    for (size_t i = 0; i < slots_; i++) {
      iovs[i] = {bufferData_ + i * slotSize_, slotSize_};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      if (timestamps_) {
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof(control[i]);
      }
    }
    int count = recvmmsg(fd_, msgs, slots_, MSG_DONTWAIT, nullptr);
    if (count <= 0) return 0;  // EAGAIN: nothing (left) to read
    for (int i = 0; i < count; i++) {
      lengthsData_[i] = std::min<uint32_t>(msgs[i].msg_len, slotSize_);
      if (stampsData_ != nullptr) {
        stampsData_[i] = 0;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != nullptr; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
          if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
            timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            stampsData_[i] = ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
          }
        }
      }
    }
    Napi::Env env = callback_.Env();
    Napi::HandleScope scope(env);
    callback_.MakeCallback(env.Global(), {Napi::Number::New(env, count)}, *asyncContext_);
    if (env.IsExceptionPending()) {
      // Surface a throwing callback as the thread's uncaught exception instead of losing it.
      Napi::Error error = env.GetAndClearPendingException();
      napi_fatal_exception(env, error.Value());
    }
    return static_cast<size_t>(count);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    bool wasReceiving = poll_ != nullptr;
    Shutdown(info.Env());
    if (wasReceiving) Unref();
    return info.Env().Undefined();
  }

  // Idempotent; env is null when called from the destructor, where JS references must not be touched.
  void Shutdown(napi_env env) {
    if (fd_ < 0) return;
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    ::close(fd_);
    fd_ = -1;
    if (env != nullptr) {
      callback_.Reset();
      bufferRef_.Reset();
      lengthsRef_.Reset();
      stampsRef_.Reset();
      asyncContext_.reset();
    }
    if (cleanupHook_ != nullptr) {
      napi_remove_async_cleanup_hook(cleanupHook_);
      cleanupHook_ = nullptr;
    }
  }

  // A worker that exits without close(): the uv_poll handle must be closed before its loop is, or Node
  // aborts on the open handle. The hook's completion waits for libuv to finish closing it.
  static void OnEnvCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
    auto* self = static_cast<PacketSocket*>(arg);
    self->cleanupHook_ = nullptr;
    if (self->poll_ != nullptr) {
      uv_poll_stop(self->poll_);
      self->poll_->data = hook;
      uv_close(reinterpret_cast<uv_handle_t*>(self->poll_), [](uv_handle_t* h) {
        auto* done = static_cast<napi_async_cleanup_hook_handle>(h->data);
        delete reinterpret_cast<uv_poll_t*>(h);
        napi_remove_async_cleanup_hook(done);
      });
      self->poll_ = nullptr;
    } else {
      napi_remove_async_cleanup_hook(hook);
    }
    if (self->fd_ >= 0) ::close(self->fd_);
    self->fd_ = -1;
  }

  int fd_ = -1;
  unsigned ifindex_ = 0;
  bool timestamps_ = false;
  sockaddr_ll dest_ = {};
  uv_poll_t* poll_ = nullptr;
  napi_async_cleanup_hook_handle cleanupHook_ = nullptr;
  size_t slots_ = 0;
  size_t slotSize_ = 0;
  uint8_t* bufferData_ = nullptr;
  uint32_t* lengthsData_ = nullptr;
  double* stampsData_ = nullptr;
  Napi::ObjectReference bufferRef_;
  Napi::ObjectReference lengthsRef_;
  Napi::ObjectReference stampsRef_;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("PacketSocket", PacketSocket::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(packet_socket, Init)

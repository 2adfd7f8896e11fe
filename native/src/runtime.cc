// Process-wide runtime settings: threads, global seed, devices, build info.
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/Context.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#endif

#include "common.h"

namespace specl {

namespace {

// libtorch warnings go to stderr as one short line each, without the glog
// prefix; notices that only say a feature is in beta (sparse CSR) are dropped.
class QuietWarnings : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  // libtorch 2.x passes a c10::Warning.
  void process(const c10::Warning& warning) override { print(warning.msg()); }
#else
  void process(const c10::SourceLocation&, const std::string& msg, const bool) override { print(msg); }
#endif

 private:
  static void print(const std::string& msg) {
    if (msg.find("is in beta state") != std::string::npos) return;
    std::fprintf(stderr, "[libtorch warning] %s\n", msg.c_str());
  }
};

QuietWarnings quietWarnings;  // stateless, shared by every environment

// glibc's defaults return freed activations to the OS and fault them back in at
// the next step (a dynamic mmap threshold and trimming of the heap top).
// Training reuses the same sizes every step, so keep them: allocations up to
// 32 MiB come from the heap, and up to 1 GiB of free heap top is kept rather than
// trimmed (measured: ≈+20% images/s on the ConvNet step). Larger tensors are
// still mmapped and returned at once. Skipped when the user tunes malloc
// through MALLOC_* variables or sets SPECL_MALLOC_TUNING=0.
void tuneMalloc() {
#if defined(__GLIBC__)
  const char* opt = std::getenv("SPECL_MALLOC_TUNING");
  if (opt && std::string(opt) == "0") return;
  for (const char* v : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"}) {
    if (std::getenv(v)) return;
  }
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    at::set_num_threads(info[0].As<Napi::Number>().Int32Value());
    return env.Undefined();
  });
}

// setThreadNice(n): the calling thread's nice value (Linux: per thread). A loader's worker
// thread lowers its priority so it takes only cycles the training step leaves idle.
// Returns false where the platform has no per-thread priority or refuses the change.
Napi::Value setThreadNice(const Napi::CallbackInfo& info) {
  auto env = info.Env();
#ifdef __linux__
  int nice = info[0].As<Napi::Number>().Int32Value();
  pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  return Napi::Boolean::New(env, setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) == 0);
#else
  return Napi::Boolean::New(env, false);
#endif
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    at::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return env.Undefined();
  });
}

Napi::Value setDeterministic(const Napi::CallbackInfo& info) {
  at::globalContext().setDeterministicAlgorithms(info[0].ToBoolean().Value(), true);
  return info.Env().Undefined();
}

Napi::Value cudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

Napi::Value buildInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto o = Napi::Object::New(env);
  o.Set("torchVersion", TORCH_VERSION);
  o.Set("config", at::show_config());
  o.Set("parallel", at::get_parallel_info());
  o.Set("cuda", at::globalContext().hasCUDA());
  o.Set("mkldnn", at::globalContext().userEnabledMkldnn());
  return o;
}

}  // namespace

void initRuntime(Napi::Env env, Napi::Object exports) {
  c10::Warning::set_warning_handler(&quietWarnings);
  static std::once_flag tuned;  // process-wide, once, even when workers load the addon together
  std::call_once(tuned, tuneMalloc);
  exports.Set("setNumThreads", Napi::Function::New(env, setNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, getNumThreads));
  exports.Set("setThreadNice", Napi::Function::New(env, setThreadNice));
  exports.Set("manualSeed", Napi::Function::New(env, manualSeed));
  exports.Set("setDeterministic", Napi::Function::New(env, setDeterministic));
  exports.Set("cudaDeviceCount", Napi::Function::New(env, cudaDeviceCount));
  exports.Set("buildInfo", Napi::Function::New(env, buildInfo));
}

}  // namespace specl

// Shared declarations of the specl addon: tensor handles, the op table and
// the error bridge from libtorch (c10::Error) to JavaScript Error.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <napi.h>

#include <string>
#include <unordered_map>
#include <vector>

namespace specl {

// One resolved ATen operator, looked up once by name and called boxed.
struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
};

// Per-environment state (main thread and each worker thread has its own).
struct AddonData {
  std::vector<OpEntry> ops;
  std::unordered_map<std::string, uint32_t> opIndex;
};

AddonData& data(Napi::Env env);

// Tensor handles are tagged Napi::External<at::Tensor>; dispose() resets the
// tensor so its memory is freed immediately, later use raises an Error.
Napi::Value wrapTensor(Napi::Env env, at::Tensor t);
at::Tensor& unwrapTensor(Napi::Env env, const Napi::Value& v, const char* what);
bool isTensorHandle(const Napi::Value& v);

// Seeded random generators, tagged Napi::External<at::Generator>.
at::Generator& unwrapGenerator(Napi::Env env, const Napi::Value& v);

// JS <-> IValue conversion driven by an operator schema argument type.
c10::IValue toIValue(Napi::Env env, const Napi::Value& v, const c10::Argument& arg, const std::string& op);
Napi::Value fromIValue(Napi::Env env, const c10::IValue& v);

void initTensorHandles(Napi::Env env, Napi::Object exports);
void initDispatch(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initRuntime(Napi::Env env, Napi::Object exports);
void initSparseKernels(Napi::Env env, Napi::Object exports);

// Runs `body`, turning libtorch and std exceptions into a JavaScript Error.
template <typename F>
auto guarded(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

}  // namespace specl

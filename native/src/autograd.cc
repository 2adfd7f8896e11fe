// Autograd entry points that are not ATen operators: requires_grad, .grad,
// backward, torch.autograd.grad and the thread-local grad mode.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/variable.h>

#include "common.h"

namespace specl {

namespace {

std::vector<at::Tensor> tensorList(Napi::Env env, const Napi::Value& v, const char* what) {
  std::vector<at::Tensor> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  auto a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    auto e = a.Get(i);
    out.push_back(e.IsNull() || e.IsUndefined() ? at::Tensor() : unwrapTensor(env, e, what));
  }
  return out;
}

Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info.Env(), info[0], "requiresGrad").requires_grad());
}

Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    unwrapTensor(env, info[0], "setRequiresGrad").set_requires_grad(info[1].ToBoolean().Value());
    return env.Undefined();
  });
}

Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info.Env(), info[0], "isLeaf").is_leaf());
}

Napi::Value grad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return wrapTensor(env, unwrapTensor(env, info[0], "grad").grad());
}

Napi::Value setGrad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto& t = unwrapTensor(env, info[0], "setGrad");
    if (info[1].IsNull() || info[1].IsUndefined()) t.mutable_grad().reset();
    else t.mutable_grad() = unwrapTensor(env, info[1], "setGrad");
    return env.Undefined();
  });
}

// backward(outputs[], gradOutputs[] | null, retainGraph, createGraph)
Napi::Value backward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto outputs = tensorList(env, info[0], "backward");
    auto grads = tensorList(env, info[1], "backward");
    c10::optional<bool> retain;
    if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
    bool create = info[3].ToBoolean().Value();
    torch::autograd::backward(outputs, grads, retain, create);
    return env.Undefined();
  });
}

// grad(outputs[], inputs[], gradOutputs[] | null, retainGraph, createGraph, allowUnused) -> (Tensor|null)[]
Napi::Value autogradGrad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto outputs = tensorList(env, info[0], "grad");
    auto inputs = tensorList(env, info[1], "grad");
    auto grads = tensorList(env, info[2], "grad");
    c10::optional<bool> retain;
    if (info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
    bool create = info[4].ToBoolean().Value();
    bool allowUnused = info[5].ToBoolean().Value();
    auto res = torch::autograd::grad(outputs, inputs, grads, retain, create, allowUnused);
    auto out = Napi::Array::New(env, res.size());
    for (size_t i = 0; i < res.size(); ++i) out.Set(i, wrapTensor(env, res[i]));
    return out;
  });
}

Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

}  // namespace

void initAutograd(Napi::Env env, Napi::Object exports) {
  exports.Set("requiresGrad", Napi::Function::New(env, requiresGrad));
  exports.Set("setRequiresGrad", Napi::Function::New(env, setRequiresGrad));
  exports.Set("isLeaf", Napi::Function::New(env, isLeaf));
  exports.Set("grad", Napi::Function::New(env, grad));
  exports.Set("setGrad", Napi::Function::New(env, setGrad));
  exports.Set("backward", Napi::Function::New(env, backward));
  exports.Set("autogradGrad", Napi::Function::New(env, autogradGrad));
  exports.Set("setGradEnabled", Napi::Function::New(env, setGradEnabled));
  exports.Set("isGradEnabled", Napi::Function::New(env, isGradEnabled));
}

}  // namespace specl

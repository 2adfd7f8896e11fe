// Tensor and generator handles, host-memory copies in and out, metadata.
#include <ATen/CPUGeneratorImpl.h>

#include "common.h"

namespace specl {

namespace {

const napi_type_tag kTensorTag = {0x5c1e7a11b3f04d2eULL, 0x9a6d4c2b8e1f7035ULL};
const napi_type_tag kGeneratorTag = {0x5c1e7a11b3f04d2eULL, 0x1b2c3d4e5f607182ULL};

// Bytes reported to V8 so the garbage collector, our safety net, sees native memory.
int64_t externalBytes(const at::Tensor& t) {
  if (!t.defined() || t.layout() != at::kStrided || !t.is_cpu()) return 0;
  return static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
}

// Tensor bytes not yet reported to V8. Reporting costs a call into the engine,
// so small tensors are batched: the net change goes to V8 once it passes 1 MiB.
// Per thread, and so per environment (each runs on its own thread).
thread_local int64_t unreportedBytes = 0;
constexpr int64_t kReportChunk = 1 << 20;

void reportBytes(Napi::Env env, int64_t delta) {
  unreportedBytes += delta;
  if (unreportedBytes >= kReportChunk || unreportedBytes <= -kReportChunk) {
    Napi::MemoryManagement::AdjustExternalMemory(env, unreportedBytes);
    unreportedBytes = 0;
  }
}

struct Held {
  at::Tensor tensor;
  int64_t bytes;
};

// A basic-env finalizer runs inside garbage collection; an Env finalizer would be
// deferred to setImmediate, so a loop that never yields would pile up handles.
// It must not call back into V8's heap accounting (V8 aborts when that happens
// mid-collection), so the freed bytes are only noted and reported by the next
// wrap or dispose.
void finalizeTensor(Napi::BasicEnv, Held* h) {
  unreportedBytes -= h->bytes;
  delete h;
}

Held* heldOf(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsExternal() || !v.As<Napi::Object>().CheckTypeTag(&kTensorTag)) {
    throw Napi::TypeError::New(env, std::string(what) + ": expected a Tensor");
  }
  return v.As<Napi::External<Held>>().Data();
}

}  // namespace

bool isTensorHandle(const Napi::Value& v) {
  return v.IsExternal() && v.As<Napi::Object>().CheckTypeTag(&kTensorTag);
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  int64_t bytes = externalBytes(t);
  auto ext = Napi::External<Held>::New(env, new Held{std::move(t), bytes}, finalizeTensor);
  ext.TypeTag(&kTensorTag);
  if (bytes) reportBytes(env, bytes);
  return ext;
}

at::Tensor& unwrapTensor(Napi::Env env, const Napi::Value& v, const char* what) {
  Held* h = heldOf(env, v, what);
  if (!h->tensor.defined()) {
    throw Napi::Error::New(env, std::string(what) + ": the tensor was disposed and can no longer be used");
  }
  return h->tensor;
}

at::Generator& unwrapGenerator(Napi::Env env, const Napi::Value& v) {
  if (!v.IsExternal() || !v.As<Napi::Object>().CheckTypeTag(&kGeneratorTag)) {
    throw Napi::TypeError::New(env, "expected a Generator");
  }
  return *v.As<Napi::External<at::Generator>>().Data();
}

namespace {

Napi::Value dispose(const Napi::CallbackInfo& info) {
  Held* h = heldOf(info.Env(), info[0], "dispose");
  if (h->tensor.defined()) {
    if (h->bytes) reportBytes(info.Env(), -h->bytes);
    h->bytes = 0;
    h->tensor.reset();
  }
  return info.Env().Undefined();
}

Napi::Value isDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !heldOf(info.Env(), info[0], "isDisposed")->tensor.defined());
}

Napi::Value shape(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto& t = unwrapTensor(env, info[0], "shape");
  auto sizes = t.sizes();
  auto out = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) out.Set(i, Napi::Number::New(env, static_cast<double>(sizes[i])));
  return out;
}

Napi::Value strides(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto st = unwrapTensor(env, info[0], "strides").strides();
    auto out = Napi::Array::New(env, st.size());
    for (size_t i = 0; i < st.size(); ++i) out.Set(i, Napi::Number::New(env, static_cast<double>(st[i])));
    return out;
  });
}

// Scalar type codes follow c10::ScalarType (Byte=0 … Bool=11).
Napi::Value dtype(const Napi::CallbackInfo& info) {
  auto& t = unwrapTensor(info.Env(), info[0], "dtype");
  return Napi::Number::New(info.Env(), static_cast<int>(t.scalar_type()));
}

Napi::Value device(const Napi::CallbackInfo& info) {
  auto& t = unwrapTensor(info.Env(), info[0], "device");
  return Napi::String::New(info.Env(), t.device().str());
}

Napi::Value layout(const Napi::CallbackInfo& info) {
  auto& t = unwrapTensor(info.Env(), info[0], "layout");
  std::ostringstream s;
  s << t.layout();
  return Napi::String::New(info.Env(), s.str());
}

// fromBuffer(typedArray, shape[], scalarType) copies host memory into a new CPU tensor.
Napi::Value fromBuffer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromBuffer: expected a typed array");
    auto arr = info[0].As<Napi::TypedArray>();
    auto dims = info[1].As<Napi::Array>();
    std::vector<int64_t> sizes(dims.Length());
    int64_t numel = 1;
    for (uint32_t i = 0; i < dims.Length(); ++i) {
      sizes[i] = dims.Get(i).As<Napi::Number>().Int64Value();
      numel *= sizes[i];
    }
    auto st = static_cast<at::ScalarType>(info[2].As<Napi::Number>().Int32Value());
    size_t need = static_cast<size_t>(numel) * c10::elementSize(st);
    if (arr.ByteLength() != need) {
      throw Napi::RangeError::New(env, "fromBuffer: the data holds " + std::to_string(arr.ByteLength()) +
                                           " bytes but shape and dtype need " + std::to_string(need));
    }
    auto out = at::empty(sizes, at::TensorOptions().dtype(st));
    if (need) {
      auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
      std::memcpy(out.data_ptr(), src, need);
    }
    return wrapTensor(env, out);
  });
}

// toBuffer(t) copies a tensor (any device, any strides) into a new ArrayBuffer.
Napi::Value toBuffer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto t = unwrapTensor(env, info[0], "toBuffer").detach();
    if (t.layout() != at::kStrided) t = t.to_dense();
    t = t.to(at::kCPU).contiguous();
    size_t n = static_cast<size_t>(t.numel()) * t.element_size();
    auto buf = Napi::ArrayBuffer::New(env, n);
    if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
    return buf;
  });
}

Napi::Value item(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto& t = unwrapTensor(env, info[0], "item");
    auto s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
    return Napi::Number::New(env, s.toDouble());
  });
}

Napi::Value isContiguous(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto& t = unwrapTensor(env, info[0], "isContiguous");
  bool channelsLast = info.Length() > 1 && info[1].ToBoolean().Value();
  return Napi::Boolean::New(env, t.is_contiguous(channelsLast ? at::MemoryFormat::ChannelsLast
                                                              : at::MemoryFormat::Contiguous));
}

// Identity of the underlying storage, used by tests and by safetensors to detect aliasing.
Napi::Value storageId(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto& t = unwrapTensor(env, info[0], "storageId");
    return Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(t.storage().unsafeGetStorageImpl())));
  });
}

void finalizeGenerator(Napi::BasicEnv, at::Generator* g) { delete g; }

Napi::Value newGenerator(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto seed = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
    auto* g = new at::Generator(at::make_generator<at::CPUGeneratorImpl>(seed));
    auto ext = Napi::External<at::Generator>::New(env, g, finalizeGenerator);
    ext.TypeTag(&kGeneratorTag);
    return ext;
  });
}

Napi::Value generatorSeed(const Napi::CallbackInfo& info) {
  auto& g = unwrapGenerator(info.Env(), info[0]);
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

// The generator state as a uint8 tensor, so a resumed run continues the same stream.
Napi::Value generatorGetState(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto& g = unwrapGenerator(env, info[0]);
    std::lock_guard<std::mutex> lock(g.mutex());
    return wrapTensor(env, at::Tensor(g.get_state()));
  });
}

Napi::Value generatorSetState(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto& g = unwrapGenerator(env, info[0]);
    auto& s = unwrapTensor(env, info[1], "generatorSetState");
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_state(s);
    return env.Undefined();
  });
}

}  // namespace

void initTensorHandles(Napi::Env env, Napi::Object exports) {
  exports.Set("dispose", Napi::Function::New(env, dispose));
  exports.Set("isDisposed", Napi::Function::New(env, isDisposed));
  exports.Set("shape", Napi::Function::New(env, shape));
  exports.Set("strides", Napi::Function::New(env, strides));
  exports.Set("dtype", Napi::Function::New(env, dtype));
  exports.Set("device", Napi::Function::New(env, device));
  exports.Set("layout", Napi::Function::New(env, layout));
  exports.Set("fromBuffer", Napi::Function::New(env, fromBuffer));
  exports.Set("toBuffer", Napi::Function::New(env, toBuffer));
  exports.Set("item", Napi::Function::New(env, item));
  exports.Set("isContiguous", Napi::Function::New(env, isContiguous));
  exports.Set("storageId", Napi::Function::New(env, storageId));
  exports.Set("newGenerator", Napi::Function::New(env, newGenerator));
  exports.Set("generatorSeed", Napi::Function::New(env, generatorSeed));
  exports.Set("generatorGetState", Napi::Function::New(env, generatorGetState));
  exports.Set("generatorSetState", Napi::Function::New(env, generatorSetState));
}

}  // namespace specl

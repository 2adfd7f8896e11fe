// Generic operator calls through the c10 dispatcher: the TypeScript layer
// resolves an ATen operator once (findOp) and calls it boxed (callOp), so
// autograd, device dispatch and every kernel libtorch ships come for free.
#include "common.h"

namespace specl {

namespace {

// findOp("aten::conv2d", "") -> integer id for callOp.
Napi::Value findOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto name = info[0].As<Napi::String>().Utf8Value();
    auto overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    auto key = overload.empty() ? name : name + "." + overload;
    auto& d = data(env);
    auto it = d.opIndex.find(key);
    if (it != d.opIndex.end()) return Napi::Number::New(env, it->second);
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle) throw Napi::Error::New(env, "libtorch has no operator " + name + (overload.empty() ? "" : "." + overload));
    uint32_t id = static_cast<uint32_t>(d.ops.size());
    d.ops.push_back({*handle, key});
    d.opIndex.emplace(key, id);
    return Napi::Number::New(env, id);
  });
}

Napi::Value opSchema(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto& d = data(env);
  auto id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= d.ops.size()) throw Napi::RangeError::New(env, "opSchema: unknown operator id");
  std::ostringstream s;
  s << d.ops[id].handle.schema();
  return Napi::String::New(env, s.str());
}

// callOp(id, named | undefined, ...positional) -> result (Tensor handle, array
// for tuples, number, …). Positional arguments are separate JS arguments, which
// reads them without an array lookup each; undefined takes the schema default.
Napi::Value callOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto& d = data(env);
  auto id = info[0].As<Napi::Number>().Uint32Value();
  if (id >= d.ops.size()) throw Napi::RangeError::New(env, "callOp: unknown operator id");
  const auto& entry = d.ops[id];
  const auto& schema = entry.handle.schema();
  const auto& args = schema.arguments();
  size_t npos = info.Length() > 2 ? info.Length() - 2 : 0;
  bool hasNamed = info[1].Type() == napi_object;
  Napi::Object named = hasNamed ? info[1].As<Napi::Object>() : Napi::Object();
  if (npos > args.size()) {
    throw Napi::TypeError::New(env, entry.name + ": " + std::to_string(npos) + " arguments given, the schema takes " +
                                        std::to_string(args.size()));
  }
  return guarded(env, [&]() -> Napi::Value {
    torch::jit::Stack stack;
    stack.reserve(args.size());
    for (size_t i = 0; i < args.size(); ++i) {
      const auto& arg = args[i];
      Napi::Value v = i < npos ? info[i + 2] : env.Undefined();
      if (hasNamed && v.IsUndefined()) v = named.Get(arg.name());
      if (v.IsUndefined()) {
        if (arg.default_value()) {
          stack.push_back(*arg.default_value());
          continue;
        }
        if (arg.type()->kind() == c10::TypeKind::OptionalType) {
          stack.emplace_back();
          continue;
        }
        throw Napi::TypeError::New(env, entry.name + ": missing argument '" + arg.name() + "'");
      }
      stack.push_back(toIValue(env, v, arg, entry.name));
    }
    entry.handle.callBoxed(stack);
    if (stack.empty()) return env.Undefined();
    if (stack.size() == 1) return fromIValue(env, stack[0]);
    auto out = Napi::Array::New(env, stack.size());
    for (size_t i = 0; i < stack.size(); ++i) out.Set(i, fromIValue(env, stack[i]));
    return out;
  });
}

}  // namespace

void initDispatch(Napi::Env env, Napi::Object exports) {
  exports.Set("findOp", Napi::Function::New(env, findOp));
  exports.Set("opSchema", Napi::Function::New(env, opSchema));
  exports.Set("callOp", Napi::Function::New(env, callOp));
}

}  // namespace specl

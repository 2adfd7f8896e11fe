// Conversion between JavaScript values and c10::IValue, driven by the schema
// type of each operator argument (the same boxed calling convention
// TorchScript uses, so every ATen operator is reachable without a binding).
#include "common.h"

namespace specl {

namespace {

[[noreturn]] void bad(Napi::Env env, const std::string& op, const c10::Argument& arg, const std::string& expected) {
  throw Napi::TypeError::New(env, op + ": argument '" + arg.name() + "' expects " + expected + " (schema type " +
                                      arg.type()->str() + ")");
}

int64_t toInt(Napi::Env env, const Napi::Value& v, const std::string& op, const c10::Argument& arg) {
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d))) bad(env, op, arg, "an integer, got " + std::to_string(d));
    return static_cast<int64_t>(d);
  }
  if (v.IsBigInt()) {
    bool lossless = true;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  bad(env, op, arg, "an integer");
}

double toDouble(Napi::Env env, const Napi::Value& v, const std::string& op, const c10::Argument& arg) {
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1.0 : 0.0;
  bad(env, op, arg, "a number");
}

// A JS number is an integer Scalar when it has no fractional part; ATen's type
// promotion then keeps a float tensor float, as Python does for `x * 2`.
c10::Scalar toScalar(Napi::Env env, const Napi::Value& v, const std::string& op, const c10::Argument& arg) {
  switch (v.Type()) {
    case napi_number: {
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
        return c10::Scalar(static_cast<int64_t>(d));
      }
      return c10::Scalar(d);
    }
    case napi_boolean:
      return c10::Scalar(v.As<Napi::Boolean>().Value());
    case napi_bigint:
      return c10::Scalar(toInt(env, v, op, arg));
    default:
      if (isTensorHandle(v)) return unwrapTensor(env, v, op.c_str()).item();
      bad(env, op, arg, "a number");
  }
}

c10::IValue listToIValue(Napi::Env env, const Napi::Value& v, const c10::TypePtr& elem, const c10::Argument& arg,
                         const std::string& op) {
  auto kind = elem->kind();
  // Python's convenience: `stride=2` for `int[2] stride` means [2, 2].
  if (!v.IsArray()) {
    if ((kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType) && v.IsNumber() && arg.N()) {
      return c10::IValue(std::vector<int64_t>(*arg.N(), toInt(env, v, op, arg)));
    }
    if (kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType) {
      if (v.IsNumber()) return c10::IValue(std::vector<int64_t>{toInt(env, v, op, arg)});
    }
    bad(env, op, arg, "an array");
  }
  auto a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  switch (kind) {
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: {
      std::vector<int64_t> out(n);
      for (uint32_t i = 0; i < n; ++i) out[i] = toInt(env, a.Get(i), op, arg);
      return c10::IValue(out);
    }
    case c10::TypeKind::FloatType: {
      std::vector<double> out(n);
      for (uint32_t i = 0; i < n; ++i) out[i] = toDouble(env, a.Get(i), op, arg);
      return c10::IValue(out);
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> out;
      for (uint32_t i = 0; i < n; ++i) out.push_back(a.Get(i).ToBoolean().Value());
      return c10::IValue(out);
    }
    case c10::TypeKind::TensorType: {
      std::vector<at::Tensor> out;
      out.reserve(n);
      for (uint32_t i = 0; i < n; ++i) out.push_back(unwrapTensor(env, a.Get(i), op.c_str()));
      return c10::IValue(out);
    }
    case c10::TypeKind::OptionalType: {
      auto inner = elem->expectRef<c10::OptionalType>().getElementType();
      if (inner->kind() == c10::TypeKind::TensorType) {
        c10::List<c10::optional<at::Tensor>> out;
        for (uint32_t i = 0; i < n; ++i) {
          auto e = a.Get(i);
          if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
          else out.push_back(unwrapTensor(env, e, op.c_str()));
        }
        return c10::IValue(out);
      }
      break;
    }
    default:
      break;
  }
  bad(env, op, arg, "a list of a supported element type");
}

}  // namespace

c10::IValue toIValue(Napi::Env env, const Napi::Value& v, const c10::Argument& arg, const std::string& op) {
  const auto& type = arg.type();
  auto kind = type->kind();
  if (kind == c10::TypeKind::OptionalType) {
    if (v.IsUndefined() || v.IsNull()) return c10::IValue();
    c10::Argument inner(arg.name(), type->expectRef<c10::OptionalType>().getElementType(), arg.N());
    return toIValue(env, v, inner, op);
  }
  switch (kind) {
    case c10::TypeKind::TensorType:
      return unwrapTensor(env, v, op.c_str());
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return c10::IValue(toInt(env, v, op, arg));
    case c10::TypeKind::FloatType:
      return c10::IValue(toDouble(env, v, op, arg));
    case c10::TypeKind::NumberType:
      return c10::IValue(toScalar(env, v, op, arg));
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) bad(env, op, arg, "a boolean");
      return c10::IValue(v.As<Napi::Boolean>().Value());
    case c10::TypeKind::StringType:
      if (!v.IsString()) bad(env, op, arg, "a string");
      return c10::IValue(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::ListType:
      return listToIValue(env, v, type->expectRef<c10::ListType>().getElementType(), arg, op);
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) bad(env, op, arg, "a device string such as 'cpu' or 'cuda:0'");
      return c10::IValue(c10::Device(v.As<Napi::String>().Utf8Value()));
    case c10::TypeKind::GeneratorType:
      return c10::IValue(unwrapGenerator(env, v));
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType:
      return c10::IValue(toInt(env, v, op, arg));
    default:
      bad(env, op, arg, "a value of a type specl does not convert");
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTuple()) {
    const auto& el = v.toTupleRef().elements();
    auto out = Napi::Array::New(env, el.size());
    for (size_t i = 0; i < el.size(); ++i) out.Set(i, fromIValue(env, el[i]));
    return out;
  }
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(i, wrapTensor(env, list.get(i)));
    return out;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) out.Set(i, fromIValue(env, list[i]));
    return out;
  }
  if (v.isScalar()) return Napi::Number::New(env, v.toScalar().toDouble());
  throw Napi::TypeError::New(env, std::string("specl cannot convert an operator result of kind ") + v.tagKind());
}

}  // namespace specl

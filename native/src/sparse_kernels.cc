// Host CSR kernels of the sparse eigensolver (src/theory/csr-operator.ts) on
// typed arrays: one fused scaled-Chebyshev step over a row-major block,
//   out[i, j] = alpha * ((A cur)[i, j] - c * cur[i, j]) - beta * prev[i, j],
// for columns j < cols. Why here and not libtorch's CSR x dense product: the
// CPU kernel of libtorch 1.13 (no MKL) issues one BLAS axpy per stored entry,
// about 25 ns per entry; this loop reads each stored entry once per group of
// 8 columns and accumulates in registers. Rows are split across libtorch's
// intra-op thread pool (at::parallel_for) in chunks of about equal stored
// entries. The caller (CsrOperator) validates the CSR structure once (row
// pointers non-decreasing, 0 <= column < n); this file checks every length.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"

namespace specl {

namespace {

// acc[t] = sum over the row's entries p of val[p] * cur[col[p], j + t], t < W. The sums live in a
// local array that never escapes, so the compiler keeps them in registers (acc may alias nothing).
template <int W>
inline void rowGroup(const int32_t* __restrict col, const double* __restrict val, int64_t s, int64_t e,
                     const double* __restrict cur, int64_t stride, int64_t j, double* __restrict acc) {
  double a[W];
  for (int t = 0; t < W; t++) a[t] = 0;
  for (int64_t p = s; p < e; p++) {
    const double v = val[p];
    const double* x = cur + static_cast<int64_t>(col[p]) * stride + j;
    for (int t = 0; t < W; t++) a[t] += v * x[t];
  }
  for (int t = 0; t < W; t++) acc[t] = a[t];
}

// GCC on x86-64 also compiles the rows loop for x86-64-v3 (AVX2: 4 doubles per instruction, measured
// 1.8x on a 24-column block) and picks that copy at load time where the processor has it.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SPECL_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define SPECL_SIMD_CLONES
#endif

// Rows [r0, r1) of the step.
SPECL_SIMD_CLONES void stepRows(const int32_t* crow, const int32_t* col, const double* val, const double* cur, const double* prev,
              double* out, int64_t stride, int64_t cols, double alpha, double c, double beta, int64_t r0, int64_t r1) {
  double acc[8];
  for (int64_t i = r0; i < r1; i++) {
    const int64_t s = crow[i];
    const int64_t e = crow[i + 1];
    const int64_t ro = i * stride;
    int64_t j = 0;
    auto finish = [&](int w) {
      for (int t = 0; t < w; t++) {
        const int64_t r = ro + j + t;
        const double y = alpha * (acc[t] - c * cur[r]);
        out[r] = beta == 0 ? y : y - beta * prev[r];
      }
    };
    for (; j + 8 <= cols; j += 8) {
      rowGroup<8>(col, val, s, e, cur, stride, j, acc);
      finish(8);
    }
    for (; j + 4 <= cols; j += 4) {
      rowGroup<4>(col, val, s, e, cur, stride, j, acc);
      finish(4);
    }
    for (; j < cols; j++) {
      rowGroup<1>(col, val, s, e, cur, stride, j, acc);
      finish(1);
    }
  }
}

template <typename T>
const T* typedData(Napi::Env env, const Napi::Value& v, napi_typedarray_type type, const char* name, size_t need) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(env, std::string("csrChebyshevStep: ") + name + " has the wrong typed-array type");
  }
  auto a = v.As<Napi::TypedArrayOf<T>>();
  if (a.ElementLength() < need) {
    throw Napi::RangeError::New(env, std::string("csrChebyshevStep: ") + name + " holds " +
                                         std::to_string(a.ElementLength()) + " values, needs " + std::to_string(need));
  }
  return a.Data();
}

// csrChebyshevStep(crow, col, val, cur, prev, out, stride, cols, alpha, c, beta, threads)
Napi::Value csrChebyshevStep(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() != 12) throw Napi::TypeError::New(env, "csrChebyshevStep: expects 12 arguments");
  const auto crowArr = info[0].As<Napi::TypedArray>();
  if (!info[0].IsTypedArray() || crowArr.TypedArrayType() != napi_int32_array || crowArr.ElementLength() < 1) {
    throw Napi::TypeError::New(env, "csrChebyshevStep: crow must be a non-empty Int32Array");
  }
  const int64_t n = static_cast<int64_t>(crowArr.ElementLength()) - 1;
  const int64_t stride = info[6].As<Napi::Number>().Int64Value();
  const int64_t cols = info[7].As<Napi::Number>().Int64Value();
  if (stride < 1 || cols < 0 || cols > stride) {
    throw Napi::RangeError::New(env, "csrChebyshevStep: need 0 <= cols <= stride and stride >= 1");
  }
  const int32_t* crow = crowArr.As<Napi::Int32Array>().Data();
  const int64_t nnz = crow[n];
  if (nnz < 0) throw Napi::RangeError::New(env, "csrChebyshevStep: crow[n] is negative");
  const int32_t* col = typedData<int32_t>(env, info[1], napi_int32_array, "col", static_cast<size_t>(nnz));
  const double* val = typedData<double>(env, info[2], napi_float64_array, "val", static_cast<size_t>(nnz));
  const size_t block = static_cast<size_t>(n * stride);
  const double* cur = typedData<double>(env, info[3], napi_float64_array, "cur", block);
  const double beta = info[10].As<Napi::Number>().DoubleValue();
  const double* prev = beta == 0 ? cur : typedData<double>(env, info[4], napi_float64_array, "prev", block);
  double* out = const_cast<double*>(typedData<double>(env, info[5], napi_float64_array, "out", block));
  if (out == cur) throw Napi::Error::New(env, "csrChebyshevStep: out must not alias cur");
  const double alpha = info[8].As<Napi::Number>().DoubleValue();
  const double c = info[9].As<Napi::Number>().DoubleValue();
  const int64_t threads = std::max<int64_t>(1, info[11].As<Napi::Number>().Int64Value());
  if (n == 0 || cols == 0) return env.Undefined();
  // Chunks of about equal stored entries, a few per thread so that uneven rows even out.
  const int64_t chunks = threads == 1 ? 1 : std::min<int64_t>(n, 8 * threads);
  std::vector<int64_t> split(static_cast<size_t>(chunks) + 1, n);
  split[0] = 0;
  int64_t row = 0;
  for (int64_t t = 1; t < chunks; t++) {
    const double target = static_cast<double>(nnz) * static_cast<double>(t) / static_cast<double>(chunks);
    while (row < n && static_cast<double>(crow[row]) < target) row++;
    split[static_cast<size_t>(t)] = row;
  }
  return guarded(env, [&]() -> Napi::Value {
    if (threads == 1) {
      stepRows(crow, col, val, cur, prev, out, stride, cols, alpha, c, beta, 0, n);
    } else {
      at::parallel_for(0, chunks, 1, [&](int64_t a, int64_t b) {
        for (int64_t t = a; t < b; t++) {
          stepRows(crow, col, val, cur, prev, out, stride, cols, alpha, c, beta, split[static_cast<size_t>(t)],
                   split[static_cast<size_t>(t) + 1]);
        }
      });
    }
    return env.Undefined();
  });
}

}  // namespace

void initSparseKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("csrChebyshevStep", Napi::Function::New(env, csrChebyshevStep));
}

}  // namespace specl

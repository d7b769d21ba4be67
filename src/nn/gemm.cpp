// Blocked GEMM: A packed into kMR-row panels per K block, B packed per (K block, N chunk) by
// the caller's packer, a kMR x kNR register-tile micro-kernel (AVX2+FMA when the CPU has it,
// chosen at run time; a portable loop otherwise).
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define COLORIZE_GEMM_X86 1
#endif

namespace colorize::nn::gemm {
namespace {

constexpr int64_t kKC = 256;  // K block: a packed B panel of kKC x kNR floats stays in L1
constexpr int64_t kNC = 128;  // N chunk per task

// acc[kMR][kNR] = sum over k of a[k][r] * b[k][c]; a: kc x kMR, b: kc x kNR.
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* acc);

void micro_generic(int64_t kc, const float* a, const float* b, float* acc) {
  float c[kMR][kNR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int r = 0; r < kMR; ++r) {
      const float av = a[r];
      for (int j = 0; j < kNR; ++j) c[r][j] += av * b[j];
    }
    a += kMR;
    b += kNR;
  }
  std::memcpy(acc, c, sizeof(c));
}

#ifdef COLORIZE_GEMM_X86
__attribute__((target("avx2,fma"))) void micro_avx2(int64_t kc, const float* a, const float* b,
                                                    float* acc) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
         c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 av = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(av, b0, c00);
    c01 = _mm256_fmadd_ps(av, b1, c01);
    av = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(av, b0, c10);
    c11 = _mm256_fmadd_ps(av, b1, c11);
    av = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(av, b0, c20);
    c21 = _mm256_fmadd_ps(av, b1, c21);
    av = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(av, b0, c30);
    c31 = _mm256_fmadd_ps(av, b1, c31);
    av = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(av, b0, c40);
    c41 = _mm256_fmadd_ps(av, b1, c41);
    av = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(av, b0, c50);
    c51 = _mm256_fmadd_ps(av, b1, c51);
    a += kMR;
    b += kNR;
  }
  _mm256_storeu_ps(acc + 0, c00);
  _mm256_storeu_ps(acc + 8, c01);
  _mm256_storeu_ps(acc + 16, c10);
  _mm256_storeu_ps(acc + 24, c11);
  _mm256_storeu_ps(acc + 32, c20);
  _mm256_storeu_ps(acc + 40, c21);
  _mm256_storeu_ps(acc + 48, c30);
  _mm256_storeu_ps(acc + 56, c31);
  _mm256_storeu_ps(acc + 64, c40);
  _mm256_storeu_ps(acc + 72, c41);
  _mm256_storeu_ps(acc + 80, c50);
  _mm256_storeu_ps(acc + 88, c51);
}
#endif

struct Dispatch {
  MicroKernel fn = micro_generic;
  const char* name = "generic";
  Dispatch() {
#ifdef COLORIZE_GEMM_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      fn = micro_avx2;
      name = "avx2+fma";
    }
#endif
  }
};

const Dispatch& dispatch() {
  static const Dispatch d;
  return d;
}

// Packs A rows [m0, m0+mc) x [k0, k0+kc) into kMR-row panels (k-major within a panel).
void pack_a(const float* A, int64_t lda, int64_t m0, int64_t mc, int64_t k0, int64_t kc,
            float* dst) {
  for (int64_t p = 0; p < mc; p += kMR) {
    const int rows = static_cast<int>(std::min<int64_t>(kMR, mc - p));
    for (int64_t k = 0; k < kc; ++k) {
      for (int r = 0; r < kMR; ++r) {
        dst[r] = r < rows ? A[(m0 + p + r) * lda + k0 + k] : 0.0f;
      }
      dst += kMR;
    }
  }
}

}  // namespace

const char* kernel_name() { return dispatch().name; }

void pack_dense(const void* ctx, int64_t k0, int64_t kc, int64_t n0, int64_t nc, float* dst) {
  const DenseB& b = *static_cast<const DenseB*>(ctx);
  for (int64_t p = 0; p < nc; p += kNR) {
    const int cols = static_cast<int>(std::min<int64_t>(kNR, nc - p));
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * kNR;
      if (!b.trans) {
        const float* s = b.data + (k0 + k) * b.ld + n0 + p;
        for (int j = 0; j < cols; ++j) d[j] = s[j];
      } else {
        for (int j = 0; j < cols; ++j) d[j] = b.data[(n0 + p + j) * b.ld + k0 + k];
      }
      for (int j = cols; j < kNR; ++j) d[j] = 0.0f;
    }
    dst += kc * kNR;
  }
}

void sgemm(ThreadPool* pool, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
           PackB pack_b, const void* b_ctx, float* C, int64_t ldc, const float* bias,
           const Activation& act) {
  if (M <= 0 || N <= 0) return;
  const MicroKernel micro = dispatch().fn;
  const int64_t mpanels = (M + kMR - 1) / kMR;
  const int64_t kblocks = std::max<int64_t>(1, (K + kKC - 1) / kKC);
  // A packed once for all tasks: [kblock][mpanel][k][kMR].
  std::vector<float> ap(static_cast<size_t>(kblocks * mpanels * kKC * kMR));
  std::vector<int64_t> koff(kblocks);
  {
    int64_t off = 0;
    for (int64_t kb = 0; kb < kblocks; ++kb) {
      const int64_t k0 = kb * kKC, kc = std::min(kKC, K - k0);
      koff[kb] = off;
      if (kc > 0) pack_a(A, lda, 0, M, k0, kc, ap.data() + off);
      off += mpanels * std::max<int64_t>(kc, 0) * kMR;
    }
  }
  const int threads = pool ? pool->size() : 1;
  const int64_t nchunks = (N + kNC - 1) / kNC;
  int64_t msplit = 1;
  if (nchunks < 2 * threads) msplit = std::min(mpanels, (2 * threads + nchunks - 1) / nchunks);
  const int64_t panels_per_split = (mpanels + msplit - 1) / msplit;
  auto task = [&](int64_t t) {
    const int64_t chunk = t / msplit, part = t % msplit;
    const int64_t n0 = chunk * kNC, nc = std::min(kNC, N - n0);
    const int64_t p0 = part * panels_per_split, p1 = std::min(mpanels, p0 + panels_per_split);
    if (p0 >= p1) return;
    const int64_t npanels = (nc + kNR - 1) / kNR;
    thread_local std::vector<float> bp;
    if (bp.size() < static_cast<size_t>(kKC * kNC)) bp.resize(static_cast<size_t>(kKC * kNC));
    alignas(32) float acc[kMR * kNR];
    for (int64_t kb = 0; kb < kblocks; ++kb) {
      const int64_t k0 = kb * kKC, kc = std::min(kKC, K - k0);
      if (kc > 0) pack_b(b_ctx, k0, kc, n0, nc, bp.data());
      const bool first = kb == 0, last = kb == kblocks - 1;
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t m0 = p * kMR;
        const int rows = static_cast<int>(std::min<int64_t>(kMR, M - m0));
        const float* a = ap.data() + koff[kb] + p * std::max<int64_t>(kc, 0) * kMR;
        for (int64_t q = 0; q < npanels; ++q) {
          const int cols = static_cast<int>(std::min<int64_t>(kNR, nc - q * kNR));
          if (kc > 0)
            micro(kc, a, bp.data() + q * kc * kNR, acc);
          else
            std::fill(acc, acc + kMR * kNR, 0.0f);
          for (int r = 0; r < rows; ++r) {
            float* c = C + (m0 + r) * ldc + n0 + q * kNR;
            const float* s = acc + r * kNR;
            const float bv = bias ? bias[m0 + r] : 0.0f;
            if (first && last) {
              for (int j = 0; j < cols; ++j) c[j] = act.apply(s[j] + bv);
            } else if (first) {
              for (int j = 0; j < cols; ++j) c[j] = s[j];
            } else if (!last) {
              for (int j = 0; j < cols; ++j) c[j] += s[j];
            } else {
              for (int j = 0; j < cols; ++j) c[j] = act.apply(c[j] + s[j] + bv);
            }
          }
        }
      }
    }
  };
  if (pool)
    pool->run(nchunks * msplit, task);
  else
    for (int64_t t = 0; t < nchunks * msplit; ++t) task(t);
}

}  // namespace colorize::nn::gemm

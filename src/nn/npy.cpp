#include "colorize/nn/npy.h"

#include <cmath>
#include <cstring>
#include <fstream>

namespace colorize::nn {
namespace {

Status bad(const std::string& m) {
  return Status(ErrorCode::kCorruptModel, "malformed .npy file: " + m);
}

// Finds `'key': value` in the header dict and returns the text after the colon.
bool find_key(const std::string& h, const std::string& key, size_t& pos) {
  const size_t k = h.find("'" + key + "'");
  if (k == std::string::npos) return false;
  pos = h.find(':', k);
  if (pos == std::string::npos) return false;
  ++pos;
  while (pos < h.size() && h[pos] == ' ') ++pos;
  return pos < h.size();
}

float half_bits_to_float(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  float v = e == 0    ? std::ldexp(static_cast<float>(m), -24)
            : e == 31 ? (m ? NAN : INFINITY)
                      : std::ldexp(static_cast<float>(m | 0x400), e - 25);
  return (h & 0x8000) ? -v : v;
}

}  // namespace

Result<Tensor> parse_npy(const uint8_t* data, size_t size) {
  if (size < 10) return Status(ErrorCode::kTruncated, ".npy file too short");
  if (std::memcmp(data, "\x93NUMPY", 6) != 0) return bad("no magic");
  const int major = data[6];
  size_t hlen, off;
  if (major == 1) {
    hlen = data[8] | (size_t(data[9]) << 8);
    off = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return Status(ErrorCode::kTruncated, ".npy file too short");
    hlen = data[8] | (size_t(data[9]) << 8) | (size_t(data[10]) << 16) | (size_t(data[11]) << 24);
    off = 12;
  } else {
    return bad("unknown version");
  }
  if (hlen > size - off) return Status(ErrorCode::kTruncated, ".npy header truncated");
  const std::string h(reinterpret_cast<const char*>(data + off), hlen);
  off += hlen;
  size_t p;
  if (!find_key(h, "descr", p) || h[p] != '\'') return bad("no descr");
  const size_t q = h.find('\'', p + 1);
  if (q == std::string::npos) return bad("bad descr");
  const std::string descr = h.substr(p + 1, q - p - 1);
  if (!find_key(h, "fortran_order", p)) return bad("no fortran_order");
  if (h.compare(p, 4, "True") == 0) return Status(ErrorCode::kUnsupported, ".npy in Fortran order");
  if (!find_key(h, "shape", p) || h[p] != '(') return bad("no shape");
  const size_t close = h.find(')', p);
  if (close == std::string::npos) return bad("bad shape");
  Shape shape;
  {
    size_t k = p + 1;
    while (k < close) {
      while (k < close && (h[k] == ' ' || h[k] == ',')) ++k;
      if (k >= close) break;
      if (h[k] < '0' || h[k] > '9') return bad("bad shape");
      int64_t v = 0;
      while (k < close && h[k] >= '0' && h[k] <= '9') {
        if (v > kMaxElements) return Status(ErrorCode::kTooLarge, ".npy shape too large");
        v = v * 10 + (h[k] - '0');
        ++k;
      }
      shape.push_back(v);
      if (shape.size() > 32) return bad("too many dimensions");
    }
  }
  const int64_t n = shape_numel(shape);
  if (n < 0) return Status(ErrorCode::kTooLarge, ".npy array too large");
  if (descr.size() < 3 || descr[0] == '>')
    return Status(ErrorCode::kUnsupported, ".npy type '" + descr + "'");
  const std::string kind = descr.substr(1);
  int elem;
  if (kind == "f4" || kind == "i4")
    elem = 4;
  else if (kind == "f8" || kind == "i8")
    elem = 8;
  else if (kind == "f2")
    elem = 2;
  else if (kind == "i1" || kind == "u1" || kind == "b1")
    elem = 1;
  else
    return Status(ErrorCode::kUnsupported, ".npy type '" + descr + "'");
  if (static_cast<uint64_t>(n) * elem > size - off)
    return Status(ErrorCode::kTruncated, ".npy data truncated");
  Tensor t;
  t.shape = shape;
  const uint8_t* d = data + off;
  auto le = [&](size_t k, int bytes) {
    uint64_t v = 0;
    for (int b = 0; b < bytes; ++b) v |= uint64_t(d[k * bytes + b]) << (8 * b);
    return v;
  };
  try {
    if (kind[0] == 'f') {
      t.dtype = DType::kFloat32;
      t.f.resize(static_cast<size_t>(n));
      for (int64_t k = 0; k < n; ++k) {
        if (elem == 4) {
          uint32_t b = static_cast<uint32_t>(le(k, 4));
          std::memcpy(&t.f[k], &b, 4);
        } else if (elem == 8) {
          uint64_t b = le(k, 8);
          double x;
          std::memcpy(&x, &b, 8);
          t.f[k] = static_cast<float>(x);
        } else {
          t.f[k] = half_bits_to_float(static_cast<uint16_t>(le(k, 2)));
        }
      }
    } else {
      t.dtype = kind == "i8"   ? DType::kInt64
                : kind == "i4" ? DType::kInt32
                : kind == "i1" ? DType::kInt8
                : kind == "u1" ? DType::kUInt8
                               : DType::kBool;
      t.i.resize(static_cast<size_t>(n));
      for (int64_t k = 0; k < n; ++k) {
        const uint64_t v = le(k, elem);
        t.i[k] = elem == 8      ? static_cast<int64_t>(v)
                 : elem == 4    ? static_cast<int32_t>(v)
                 : kind == "i1" ? static_cast<int8_t>(v)
                                : static_cast<int64_t>(v != 0 && kind == "b1" ? 1 : v);
      }
    }
  } catch (const std::bad_alloc&) {
    return Status(ErrorCode::kOutOfMemory, "out of memory reading .npy");
  }
  return t;
}

Result<Tensor> read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::kIo, "cannot open '" + path + "'");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  Result<Tensor> t = parse_npy(bytes.data(), bytes.size());
  if (!t.ok()) return Status(t.status().code(), path + ": " + t.status().message());
  return t;
}

std::vector<uint8_t> encode_npy(const Tensor& t) {
  std::string shape = "(";
  for (size_t k = 0; k < t.shape.size(); ++k)
    shape += std::to_string(t.shape[k]) + (t.shape.size() == 1      ? ","
                                           : k + 1 < t.shape.size() ? ", "
                                                                    : "");
  shape += ")";
  const bool fl = is_float(t.dtype);
  std::string h = std::string("{'descr': '") + (fl ? "<f4" : "<i8") +
                  "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::vector<uint8_t> out = {0x93,
                              'N',
                              'U',
                              'M',
                              'P',
                              'Y',
                              1,
                              0,
                              static_cast<uint8_t>(h.size() & 0xff),
                              static_cast<uint8_t>(h.size() >> 8)};
  out.insert(out.end(), h.begin(), h.end());
  const size_t n = t.stored();
  for (size_t k = 0; k < n; ++k) {
    uint64_t bits;
    int bytes;
    if (fl) {
      uint32_t b;
      std::memcpy(&b, &t.f[k], 4);
      bits = b;
      bytes = 4;
    } else {
      bits = static_cast<uint64_t>(t.i[k]);
      bytes = 8;
    }
    for (int b = 0; b < bytes; ++b) out.push_back(static_cast<uint8_t>(bits >> (8 * b)));
  }
  return out;
}

Status write_npy(const std::string& path, const Tensor& t) {
  const std::vector<uint8_t> bytes = encode_npy(t);
  std::ofstream out(path, std::ios::binary);
  if (!out) return Status(ErrorCode::kIo, "cannot write '" + path + "'");
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status(ErrorCode::kIo, "cannot write '" + path + "'");
  return Status::Ok();
}

}  // namespace colorize::nn

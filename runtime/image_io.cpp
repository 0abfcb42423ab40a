// stb-backed image I/O. The stb implementations are compiled here, static and restricted to
// PNG/JPEG/BMP decoding, so no stb symbol leaks out of this file. (Debian's libstb.so exports the
// same API; define LLIE_USE_LIBSTB and link `stb` to use it instead.)
#include "runtime/image_io.h"

#include "runtime/atomic_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#ifndef LLIE_USE_LIBSTB
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_FAILURE_USERMSG
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#include <stb_image.h>
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace llie {
namespace fs = std::filesystem;

namespace {

bool hasImageExtension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};

/// Index of position i >= 0 in an axis of size n under repeated reflection (no edge repeat).
int64_t reflectIndex(int64_t i, int64_t n) {
  if (i < n) return i;
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  const int64_t m = i % period;
  return m < n ? m : period - m;
}

} // namespace

Expected<HostTensor> loadImage(const std::string& path) {
  auto fail = [&](const std::string& what) {
    return Status::error("image '" + path + "': " + what);
  };
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return fail("no such file");
  if (fs::is_directory(st)) return fail("is a directory, not an image file");
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) return fail(std::string("cannot open: ") + std::strerror(errno));

  int w = 0, h = 0, comp = 0;
  const bool is16 = stbi_is_16_bit_from_file(f.get()) != 0;
  void* pixels = is16 ? static_cast<void*>(stbi_load_from_file_16(f.get(), &w, &h, &comp, 3))
                      : static_cast<void*>(stbi_load_from_file(f.get(), &w, &h, &comp, 3));
  if (!pixels) {
    const char* why = stbi_failure_reason();
    return fail(std::string("cannot decode: ") + (why ? why : "unknown error") +
                " (supported formats: PNG, JPEG, BMP)");
  }
  const int64_t H = h, W = w, plane = H * W;
  HostTensor t({1, 3, H, W});
  float* out = t.f32();
  if (is16) {
    const auto* p = static_cast<const uint16_t*>(pixels);
    for (int64_t i = 0; i < plane; ++i)
      for (int c = 0; c < 3; ++c)
        out[c * plane + i] = p[3 * i + c] / 65535.0f;
  } else {
    float lut[256];
    for (int v = 0; v < 256; ++v)
      lut[v] = v / 255.0f;
    const auto* p = static_cast<const uint8_t*>(pixels);
    for (int64_t i = 0; i < plane; ++i)
      for (int c = 0; c < 3; ++c)
        out[c * plane + i] = lut[p[3 * i + c]];
  }
  stbi_image_free(pixels);
  return t;
}

Status savePng(const std::string& path, const HostTensor& img) {
  auto fail = [&](const std::string& what) {
    return Status::error("cannot save image '" + path + "': " + what);
  };
  if (img.dtype != DType::F32)
    return fail(std::string("expected f32, got ") + dtypeName(img.dtype));
  const auto& s = img.shape;
  const bool ok4 = s.size() == 4 && s[0] == 1, ok3 = s.size() == 3;
  if (!ok4 && !ok3) return fail("expected shape [1, C, H, W] or [C, H, W]");
  const int64_t C = s[s.size() - 3], H = s[s.size() - 2], W = s[s.size() - 1];
  if (C != 1 && C != 3) return fail("expected 1 or 3 channels, got " + std::to_string(C));
  if (H <= 0 || W <= 0) return fail("image is empty");
  if (W * C > INT_MAX / 2 || H > INT_MAX) return fail("image is too large for PNG encoding");
  if (img.storage.size() != static_cast<size_t>(C * H * W) * sizeof(float))
    return fail("storage does not match the shape");

  const int64_t plane = H * W;
  std::vector<uint8_t> px(static_cast<size_t>(plane * C));
  const float* in = img.f32();
  for (int64_t i = 0; i < plane; ++i)
    for (int64_t c = 0; c < C; ++c) {
      float v = in[c * plane + i];
      v = std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 1.0f);
      px[i * C + c] = static_cast<uint8_t>(std::floor(v * 255.0f + 0.5f));
    }

  return writeFileAtomic(path, [&](std::ostream& os) {
    auto sink = [](void* ctx, void* data, int size) {
      static_cast<std::ostream*>(ctx)->write(static_cast<const char*>(data), size);
    };
    if (!stbi_write_png_to_func(sink, &os, static_cast<int>(W), static_cast<int>(H),
                                static_cast<int>(C), px.data(), static_cast<int>(W * C)))
      return fail("PNG encoder failed");
    return Status::ok();
  });
}

Expected<std::vector<std::string>> listImages(const std::string& dirOrFile) {
  std::error_code ec;
  auto st = fs::status(dirOrFile, ec);
  if (ec || !fs::exists(st)) return Status::error("'" + dirOrFile + "': no such file or directory");
  if (!fs::is_directory(st)) {
    if (!hasImageExtension(dirOrFile))
      return Status::error("'" + dirOrFile + "' is not a .png, .jpg, .jpeg or .bmp file");
    return std::vector<std::string>{dirOrFile};
  }
  std::vector<fs::path> found;
  fs::directory_iterator it(dirOrFile, ec), end;
  if (ec) return Status::error("cannot list directory '" + dirOrFile + "': " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Status::error("cannot list directory '" + dirOrFile + "': " + ec.message());
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (name.empty() || name[0] == '.' || !hasImageExtension(p)) continue;
    std::error_code ec2;
    if (!fs::is_regular_file(it->status(ec2)) || ec2) continue;
    found.push_back(p);
  }
  if (ec) return Status::error("cannot list directory '" + dirOrFile + "': " + ec.message());
  if (found.empty())
    return Status::error("directory '" + dirOrFile + "' holds no .png, .jpg, .jpeg or .bmp file");
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  std::vector<std::string> out;
  out.reserve(found.size());
  for (auto& p : found)
    out.push_back(p.string());
  return out;
}

HostTensor padReflectToMultiple(const HostTensor& x, int64_t multiple, int64_t& padBottom,
                                int64_t& padRight) {
  LLIE_CHECK(x.shape.size() >= 2, "padReflectToMultiple needs a tensor of rank >= 2");
  const size_t r = x.shape.size();
  const int64_t H = x.shape[r - 2], W = x.shape[r - 1];
  padBottom = padRight = 0;
  if (multiple <= 1 || H <= 0 || W <= 0) return x;
  const int64_t Hp = (H + multiple - 1) / multiple * multiple;
  const int64_t Wp = (W + multiple - 1) / multiple * multiple;
  padBottom = Hp - H;
  padRight = Wp - W;
  if (padBottom == 0 && padRight == 0) return x;

  std::vector<int64_t> shape = x.shape;
  shape[r - 2] = Hp;
  shape[r - 1] = Wp;
  HostTensor out(shape, x.dtype);
  const size_t es = dtypeSize(x.dtype);
  const int64_t outer = x.numel() / (H * W);
  std::vector<int64_t> colSrc(static_cast<size_t>(Wp));
  for (int64_t c = 0; c < Wp; ++c)
    colSrc[c] = reflectIndex(c, W);
  for (int64_t o = 0; o < outer; ++o) {
    const uint8_t* src = x.storage.data() + static_cast<size_t>(o * H * W) * es;
    uint8_t* dst = out.storage.data() + static_cast<size_t>(o * Hp * Wp) * es;
    for (int64_t y = 0; y < Hp; ++y) {
      const uint8_t* srow = src + static_cast<size_t>(reflectIndex(y, H) * W) * es;
      uint8_t* drow = dst + static_cast<size_t>(y * Wp) * es;
      std::memcpy(drow, srow, static_cast<size_t>(W) * es);
      for (int64_t c = W; c < Wp; ++c)
        std::memcpy(drow + static_cast<size_t>(c) * es, srow + static_cast<size_t>(colSrc[c]) * es,
                    es);
    }
  }
  return out;
}

HostTensor cropTo(const HostTensor& x, int64_t H, int64_t W) {
  LLIE_CHECK(x.shape.size() >= 2, "cropTo needs a tensor of rank >= 2");
  const size_t r = x.shape.size();
  const int64_t Hi = x.shape[r - 2], Wi = x.shape[r - 1];
  LLIE_CHECK(H >= 0 && H <= Hi && W >= 0 && W <= Wi, "cropTo window larger than the tensor");
  std::vector<int64_t> shape = x.shape;
  shape[r - 2] = H;
  shape[r - 1] = W;
  HostTensor out(shape, x.dtype);
  if (out.numel() == 0) return out;
  const size_t es = dtypeSize(x.dtype);
  const int64_t outer = x.numel() / (Hi * Wi);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t y = 0; y < H; ++y)
      std::memcpy(out.storage.data() + static_cast<size_t>((o * H + y) * W) * es,
                  x.storage.data() + static_cast<size_t>((o * Hi + y) * Wi) * es,
                  static_cast<size_t>(W) * es);
  return out;
}

} // namespace llie

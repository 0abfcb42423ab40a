// Image I/O: exact PNG round trips, gray/alpha/BMP/JPEG decoding (test files written with
// stb_image_write), directory listing, reflect padding and cropping, and - when the shared
// low-light photos are present beside the checkout - loading real data.
#include "runtime/image_io.h"

#include "tests/runtime/tmp_dir.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_image_write.h>
#pragma GCC diagnostic pop

#include <cmath>
#include <filesystem>
#include <gtest/gtest.h>

using namespace llie;
using llie::testing::TmpDir;
using llie::testing::writeAll;

namespace {

/// An 8-bit test pattern: value of channel c at (y, x).
uint8_t pattern(int c, int y, int x) {
  return static_cast<uint8_t>((y * 37 + x * 11 + c * 85) & 255);
}

HostTensor iotaTensor(std::vector<int64_t> shape) {
  HostTensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = static_cast<float>(i);
  return t;
}

std::vector<float> values(const HostTensor& t) {
  return {t.f32(), t.f32() + t.numel()};
}

double mean(const HostTensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    s += t.f32()[i];
  return s / static_cast<double>(t.numel());
}

} // namespace

TEST(ImageIo, PngRoundTripIsExactFor8BitValues) {
  TmpDir tmp;
  const int H = 37, W = 53;
  HostTensor img({1, 3, H, W});
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        img.f32()[(c * H + y) * W + x] = pattern(c, y, x) / 255.0f;
  std::string p = tmp.path("rt.png");
  Status s = savePng(p, img);
  ASSERT_TRUE(s.isOk()) << s.message();
  auto back = loadImage(p);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->shape, (std::vector<int64_t>{1, 3, H, W}));
  EXPECT_EQ(values(*back), values(img));

  // [3, H, W] is accepted too.
  HostTensor chw = img;
  chw.shape = {3, H, W};
  ASSERT_TRUE(savePng(tmp.path("chw.png"), chw).isOk());
  EXPECT_EQ(values(*loadImage(tmp.path("chw.png"))), values(img));
  EXPECT_EQ(tmp.entries().size(), 2u); // no temporaries left
}

TEST(ImageIo, SavePngClampsAndRounds) {
  TmpDir tmp;
  HostTensor img({1, 3, 1, 4});
  const float in[12] = {-0.5f, 1.7f, NAN,  0.5f, 1.0f / 255 * 0.49f, 1.0f / 255 * 0.51f, 0.0f, 1.0f,
                        0.2f,  0.3f, 0.4f, 0.6f};
  std::memcpy(img.f32(), in, sizeof in);
  ASSERT_TRUE(savePng(tmp.path("c.png"), img).isOk());
  auto back = loadImage(tmp.path("c.png"));
  ASSERT_TRUE(back.ok());
  const int expect[12] = {0, 255, 0, 128, 0, 1, 0, 255, 51, 77, 102, 153};
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(std::lround(back->f32()[i] * 255), expect[i]) << i;
}

TEST(ImageIo, SavePngRefusesBadTensors) {
  TmpDir tmp;
  EXPECT_NE(savePng(tmp.path("a.png"), HostTensor({2, 3, 4, 4})).message().find("expected shape"),
            std::string::npos);
  EXPECT_NE(savePng(tmp.path("a.png"), HostTensor({1, 2, 4, 4})).message().find("1 or 3 channels"),
            std::string::npos);
  EXPECT_NE(savePng(tmp.path("a.png"), HostTensor({1, 3, 4, 4}, DType::I32)).message().find("f32"),
            std::string::npos);
  EXPECT_NE(savePng(tmp.path("no/dir/a.png"), HostTensor({1, 3, 4, 4})).message().find("cannot"),
            std::string::npos);
  EXPECT_TRUE(tmp.entries().empty());
}

TEST(ImageIo, LoadsGrayAlphaBmpAndJpeg) {
  TmpDir tmp;
  const int H = 16, W = 24;
  std::vector<uint8_t> gray(H * W), rgba(H * W * 4), rgb(H * W * 3);
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      gray[y * W + x] = pattern(0, y, x);
      for (int c = 0; c < 4; ++c)
        rgba[(y * W + x) * 4 + c] = c == 3 ? 7 : pattern(c, y, x);
      // JPEG: flat 8x8 blocks so compression error stays tiny.
      for (int c = 0; c < 3; ++c)
        rgb[(y * W + x) * 3 + c] = pattern(c, y / 8 * 8, x / 8 * 8);
    }
  ASSERT_TRUE(stbi_write_png(tmp.path("g.png").c_str(), W, H, 1, gray.data(), W));
  ASSERT_TRUE(stbi_write_png(tmp.path("a.png").c_str(), W, H, 4, rgba.data(), W * 4));
  ASSERT_TRUE(stbi_write_bmp(tmp.path("b.bmp").c_str(), W, H, 4, rgba.data()));
  ASSERT_TRUE(stbi_write_jpg(tmp.path("j.jpg").c_str(), W, H, 3, rgb.data(), 100));

  auto at = [&](const HostTensor& t, int c, int y, int x) {
    return std::lround(t.f32()[(c * H + y) * W + x] * 255);
  };
  auto g = loadImage(tmp.path("g.png"));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->shape, (std::vector<int64_t>{1, 3, H, W}));
  for (const char* name : {"a.png", "b.bmp"}) {
    auto a = loadImage(tmp.path(name));
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_EQ(a->shape, (std::vector<int64_t>{1, 3, H, W}));
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(at(*g, c, y, x), pattern(0, y, x));
          ASSERT_EQ(at(*a, c, y, x), pattern(c, y, x)) << name; // alpha dropped, not composited
        }
  }
  auto j = loadImage(tmp.path("j.jpg"));
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ(j->shape, (std::vector<int64_t>{1, 3, H, W}));
  long worst = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        worst = std::max(worst, std::labs(at(*j, c, y, x) - pattern(c, y / 8 * 8, x / 8 * 8)));
  EXPECT_LE(worst, 8);
}

namespace {

uint32_t crc32(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k)
      c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string be32(uint32_t v) {
  return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

std::string chunk(const std::string& type, const std::string& data) {
  return be32(static_cast<uint32_t>(data.size())) + type + data + be32(crc32(type + data));
}

/// A 16-bit RGB PNG (colour type 2, depth 16) with uncompressed ("stored") deflate blocks.
std::string png16(int W, int H, const std::vector<uint16_t>& rgb) {
  std::string raw;
  for (int y = 0; y < H; ++y) {
    raw += '\0'; // filter: none
    for (int i = 0; i < W * 3; ++i) {
      uint16_t v = rgb[y * W * 3 + i];
      raw += char(v >> 8), raw += char(v & 0xFF);
    }
  }
  std::string z = "\x78\x01";
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw)
    a = (a + c) % 65521, b = (b + a) % 65521;
  for (size_t off = 0; off < raw.size() || off == 0; off += 65535) {
    size_t n = std::min<size_t>(65535, raw.size() - off);
    z += char(off + n >= raw.size() ? 1 : 0);
    z += char(n & 0xFF), z += char(n >> 8), z += char(~n & 0xFF), z += char((~n >> 8) & 0xFF);
    z += raw.substr(off, n);
  }
  z += be32((b << 16) | a);
  std::string ihdr = be32(W) + be32(H) + std::string("\x10\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", z) +
         chunk("IEND", "");
}

} // namespace

TEST(ImageIo, Loads16BitPngsAtFullPrecision) {
  TmpDir tmp;
  const int W = 5, H = 3;
  std::vector<uint16_t> rgb(W * H * 3);
  for (size_t i = 0; i < rgb.size(); ++i)
    rgb[i] = static_cast<uint16_t>(i * 4099 + 1);
  writeAll(tmp.path("deep.png"), png16(W, H, rgb));
  auto img = loadImage(tmp.path("deep.png"));
  ASSERT_TRUE(img.ok()) << img.status().message();
  ASSERT_EQ(img->shape, (std::vector<int64_t>{1, 3, H, W}));
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < W * H; ++i)
      EXPECT_EQ(img->f32()[c * W * H + i], rgb[i * 3 + c] / 65535.0f) << c << " " << i;
}

TEST(ImageIo, LoadErrorsNameTheFileAndTheReason) {
  TmpDir tmp;
  auto missing = loadImage(tmp.path("nope.png"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "image '" + tmp.path("nope.png") + "': no such file");
  writeAll(tmp.path("text.png"), "this is not a picture");
  auto text = loadImage(tmp.path("text.png"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(
      text.status().message().rfind("image '" + tmp.path("text.png") + "': cannot decode: ", 0), 0u)
      << text.status().message();
  writeAll(tmp.path("empty.jpg"), "");
  EXPECT_FALSE(loadImage(tmp.path("empty.jpg")).ok());
  // A PNG cut in half.
  HostTensor img({1, 3, 20, 20});
  ASSERT_TRUE(savePng(tmp.path("full.png"), img).isOk());
  std::string bytes = llie::testing::readAll(tmp.path("full.png"));
  writeAll(tmp.path("cut.png"), bytes.substr(0, bytes.size() / 2));
  EXPECT_FALSE(loadImage(tmp.path("cut.png")).ok());
  auto dir = loadImage(tmp.dir().string());
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);
}

TEST(ImageIo, ListImagesSortsAndFiltersByExtension) {
  TmpDir tmp;
  for (const char* f : {"b.PNG", "a.jpg", "c.jpeg", "d.Bmp", "e.txt", ".hidden.png", "f.png.bak"})
    writeAll(tmp.path(f), "x");
  std::filesystem::create_directory(tmp.path("sub.png"));
  auto l = listImages(tmp.dir().string());
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(*l, (std::vector<std::string>{tmp.path("a.jpg"), tmp.path("b.PNG"), tmp.path("c.jpeg"),
                                          tmp.path("d.Bmp")}));
  auto one = listImages(tmp.path("c.jpeg"));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<std::string>{tmp.path("c.jpeg")});
  EXPECT_NE(listImages(tmp.path("e.txt")).status().message().find("is not a .png"),
            std::string::npos);
  EXPECT_NE(listImages(tmp.path("zzz")).status().message().find("no such file or directory"),
            std::string::npos);
  EXPECT_NE(listImages(tmp.path("sub.png")).status().message().find("holds no .png"),
            std::string::npos);
}

TEST(ImageIo, ReflectPadMatchesPyTorch) {
  // torch.nn.functional.pad(x, (0, 3, 0, 1), mode='reflect') for x = arange(15).view(1,1,3,5).
  HostTensor x = iotaTensor({1, 1, 3, 5});
  int64_t pb = -1, pr = -1;
  HostTensor y = padReflectToMultiple(x, 4, pb, pr);
  EXPECT_EQ(pb, 1);
  EXPECT_EQ(pr, 3);
  EXPECT_EQ(y.shape, (std::vector<int64_t>{1, 1, 4, 8}));
  EXPECT_EQ(values(y), (std::vector<float>{0,  1,  2,  3,  4,  3,  2,  1,  //
                                           5,  6,  7,  8,  9,  8,  7,  6,  //
                                           10, 11, 12, 13, 14, 13, 12, 11, //
                                           5,  6,  7,  8,  9,  8,  7,  6}));
  EXPECT_EQ(values(cropTo(y, 3, 5)), values(x));
}

TEST(ImageIo, ReflectPadBeyondTheSizeKeepsBouncing) {
  HostTensor x = iotaTensor({1, 1, 2, 3});
  int64_t pb = 0, pr = 0;
  HostTensor y = padReflectToMultiple(x, 8, pb, pr);
  EXPECT_EQ(pb, 6);
  EXPECT_EQ(pr, 5);
  ASSERT_EQ(y.shape, (std::vector<int64_t>{1, 1, 8, 8}));
  const int rows[8] = {0, 1, 0, 1, 0, 1, 0, 1}, cols[8] = {0, 1, 2, 1, 0, 1, 2, 1};
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < 8; ++c)
      EXPECT_EQ(y.f32()[r * 8 + c], rows[r] * 3 + cols[c]);
  // A single row or column is replicated.
  HostTensor z = padReflectToMultiple(iotaTensor({1, 1, 1, 1}), 4, pb, pr);
  EXPECT_EQ(values(z), std::vector<float>(16, 0.0f));
}

TEST(ImageIo, ReflectPadIsANoOpOnMultiplesAndCropUndoesIt) {
  HostTensor x = iotaTensor({2, 3, 16, 8});
  int64_t pb = 9, pr = 9;
  HostTensor same = padReflectToMultiple(x, 8, pb, pr);
  EXPECT_EQ(pb, 0);
  EXPECT_EQ(pr, 0);
  EXPECT_EQ(values(same), values(x));
  padReflectToMultiple(x, 1, pb, pr);
  EXPECT_EQ(pb + pr, 0);

  HostTensor odd = iotaTensor({2, 3, 37, 21});
  HostTensor padded = padReflectToMultiple(odd, 16, pb, pr);
  EXPECT_EQ(padded.shape, (std::vector<int64_t>{2, 3, 48, 32}));
  // Every plane is padded on its own: plane 4's first padded row mirrors its row 35.
  EXPECT_EQ(padded.f32()[(4 * 48 + 37) * 32 + 0], odd.f32()[(4 * 37 + 35) * 21 + 0]);
  HostTensor back = cropTo(padded, 37, 21);
  EXPECT_EQ(back.shape, odd.shape);
  EXPECT_EQ(values(back), values(odd));

  HostTensor ints({1, 2, 3}, DType::I64); // other dtypes pad too
  for (int i = 0; i < 6; ++i)
    reinterpret_cast<int64_t*>(ints.storage.data())[i] = i;
  HostTensor pi = padReflectToMultiple(ints, 4, pb, pr);
  EXPECT_EQ(pi.shape, (std::vector<int64_t>{1, 4, 4}));
  EXPECT_EQ(reinterpret_cast<int64_t*>(pi.storage.data())[15], 4); // row 3 -> 1, col 3 -> 1
}

TEST(ImageIo, LoadsTheSharedLowLightPhotos) {
  const std::filesystem::path data =
      std::filesystem::path(LLIE_SOURCE_DIR) / ".." / "shared" / "data";
  if (!std::filesystem::is_directory(data / "lowlight"))
    GTEST_SKIP() << "no shared low-light photos at " << data.string()
                 << " (only present beside the project's own checkout)";
  auto files = listImages((data / "lowlight").string());
  ASSERT_TRUE(files.ok()) << files.status().message();
  EXPECT_GE(files->size(), 20u);
  for (const auto& f : *files) {
    auto img = loadImage(f);
    ASSERT_TRUE(img.ok()) << img.status().message();
    ASSERT_EQ(img->shape.size(), 4u);
    EXPECT_EQ(img->shape[1], 3);
    EXPECT_GE(img->shape[2], 300) << f;
    EXPECT_GE(img->shape[3], 300) << f;
    if (std::filesystem::path(f).filename().string().rfind("lol-", 0) == 0) {
      EXPECT_EQ(img->shape, (std::vector<int64_t>{1, 3, 400, 600})) << f;
    }
    float lo = 1, hi = 0;
    for (int64_t i = 0; i < img->numel(); ++i)
      lo = std::min(lo, img->f32()[i]), hi = std::max(hi, img->f32()[i]);
    EXPECT_GE(lo, 0.0f);
    EXPECT_LE(hi, 1.0f);
  }
  auto low = loadImage((data / "lol-pair" / "low" / "778.png").string());
  auto high = loadImage((data / "lol-pair" / "high" / "778.png").string());
  ASSERT_TRUE(low.ok()) << low.status().message();
  ASSERT_TRUE(high.ok()) << high.status().message();
  EXPECT_EQ(low->shape, (std::vector<int64_t>{1, 3, 400, 600}));
  EXPECT_EQ(high->shape, low->shape);
  EXPECT_NEAR(mean(*low), 7.0 / 255, 1.5 / 255);
  EXPECT_NEAR(mean(*high), 87.0 / 255, 3.0 / 255);
}

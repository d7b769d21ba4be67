// The smallest program that embeds colorize: a photo file in, its colour result out, with the
// model named on the command line (and, optionally, one colour hint).
//
//   embed MODEL.onnx IN OUT.png [WORKING_SIZE] [X,Y,#RRGGBB]
//
// Everything colorize does to a picture is the one Colorizer::colorize call; the rest is files.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "colorize/color.h"
#include "colorize/colorizer.h"
#include "colorize/image.h"

int main(int argc, char** argv) {
  if (argc < 4 || argc > 6) {
    std::fprintf(stderr, "usage: embed MODEL.onnx IN OUT.png [WORKING_SIZE] [X,Y,#RRGGBB]\n");
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  colorize::Result<colorize::Image> picture = colorize::decode_image(bytes.data(), bytes.size());
  if (!picture.ok()) {
    std::fprintf(stderr, "embed: %s: %s\n", argv[2], picture.status().to_string().c_str());
    return 1;
  }

  colorize::ColorizerOptions options;
  // 0: the size the model was trained at, from the manifest.json beside it.
  options.working_size = argc > 4 ? std::atoi(argv[4]) : 0;
  const colorize::Colorizer colorizer = colorize::Colorizer::with_model(argv[1], options);

  colorize::UserColour user;
  if (argc > 5) {
    float x = 0, y = 0;
    unsigned rgb = 0;
    if (std::sscanf(argv[5], "%f,%f,#%6x", &x, &y, &rgb) != 3) {
      std::fprintf(stderr, "embed: a hint is X,Y,#RRGGBB\n");
      return 2;
    }
    const colorize::Lab lab = colorize::srgb_to_lab(
        {((rgb >> 16) & 255) / 255.0f, ((rgb >> 8) & 255) / 255.0f, (rgb & 255) / 255.0f});
    user.hints.push_back({x, y, lab.a, lab.b});
  }

  colorize::Result<colorize::Image> result = colorizer.colorize(*picture, user);
  if (!result.ok()) {
    std::fprintf(stderr, "embed: %s\n", result.status().to_string().c_str());
    return 1;
  }
  colorize::Result<std::vector<uint8_t>> png = colorize::encode_image(*result);
  if (!png.ok()) {
    std::fprintf(stderr, "embed: %s\n", png.status().to_string().c_str());
    return 1;
  }
  std::ofstream(argv[3], std::ios::binary)
      .write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
  std::printf("%s: %dx%d, coloured by %s\n", argv[3], result->width, result->height,
              colorizer.method_name());
  return 0;
}

/* A C program against an installed copy's libcolorize.so (tests/install/embed_test.cmake): with
 * no model named, the library must find the installed default model by itself.
 * Prints the models folder it used and the result's first pixel. */
#include <stdint.h>
#include <stdio.h>

#include "colorize_c.h"

int main(void) {
  char dir[4096];
  colorize_models_dir(dir, sizeof dir);
  colorize_t* c = NULL;
  if (colorize_new_model(NULL, NULL, &c) != COLORIZE_OK) {
    fprintf(stderr, "new: %s\n", colorize_last_error());
    return 1;
  }
  static uint8_t grey[48 * 32], rgb[48 * 32 * 3];
  for (int i = 0; i < 48 * 32; ++i) grey[i] = (uint8_t)(i % 48 * 5);
  colorize_picture in = {48, 32, 1, 8, 48, grey}, out = {48, 32, 3, 8, 48 * 3, rgb};
  if (colorize_run(c, &in, NULL, 0, NULL, &out) != COLORIZE_OK) {
    fprintf(stderr, "run: %s\n", colorize_last_error());
    return 1;
  }
  printf("models %s\nfirst pixel %d %d %d\n", dir, rgb[0], rgb[1], rgb[2]);
  colorize_free(c);
  return 0;
}

// Internal: our own Deflate compressor (RFC 1951) and zlib framing (RFC 1950), used by the PNG
// and TIFF writers. LZ77 over a 32 KiB window (hash chains, one-step lazy matching) and, per
// block, whichever of dynamic Huffman codes, the fixed codes or stored bytes is smallest.
//
// A picture is compressed in pieces that are independent of each other (each piece's matches
// refer only to its own bytes), so the pieces can be compressed on several threads and joined
// as bytes into one stream: every piece but the last ends with an empty stored block, which
// leaves the stream on a byte boundary. How a picture is cut into pieces depends only on its
// size, so the bytes written are the same however many threads compress them.
//
// Memory: a few hundred KiB of tables per call besides the output; allocation failures throw
// std::bad_alloc (callers turn it into kOutOfMemory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace colorize {
namespace detail {

// Adler-32 (RFC 1950) of `size` bytes, continuing from `adler` (1 for a new stream).
uint32_t adler32(const uint8_t* data, size_t size, uint32_t adler = 1);

// The Adler-32 of A followed by B, from adler32(A), adler32(B) and B's length.
uint32_t adler32_combine(uint32_t first, uint32_t second, uint64_t second_size);

// Appends `data` to *out as raw Deflate blocks. `last`: the final block is marked as the
// stream's last and the stream ends on a byte boundary; otherwise the piece ends with an empty
// stored block (byte-aligned), and the next piece's bytes may follow directly. `size` is below
// 4 GiB.
void deflate_piece(const uint8_t* data, size_t size, bool last, std::vector<uint8_t>* out);

// The two bytes that open a zlib stream (Deflate, 32 KiB window).
void zlib_header(std::vector<uint8_t>* out);

// Appends the Adler-32 that closes a zlib stream (big-endian).
void zlib_trailer(uint32_t adler, std::vector<uint8_t>* out);

// A whole zlib stream of `data`, in one piece.
std::vector<uint8_t> zlib_compress(const uint8_t* data, size_t size);

}  // namespace detail
}  // namespace colorize

"""Where a file format's headers end: the bytes of a bitstream that carry no coded pixels.

Each function takes one complete file and returns how many of its leading bytes are headers:

* JPEG: everything before the entropy-coded data of the first scan, i.e. up to and including
  the SOS segment (SOI, APPn, DQT, SOF, DHT, SOS).
* WebP: the RIFF header, every chunk before the image data, and the frame header of the VP8
  (lossy: 10 bytes) or VP8L (lossless: 5 bytes) bitstream.
* JPEG 2000: the JP2 boxes before the codestream, if any, and the codestream's main header up
  to the first SOT (start of tile-part) marker.

Trailers (JPEG's 2-byte EOI, JPEG 2000's EOC) are not counted: they are part of the rate but
not of a header. A file that does not parse raises `ValueError` naming the problem.
"""

import struct


def _u16(data: bytes, position: int) -> int:
  if position + 2 > len(data):
    raise ValueError("truncated file: a marker segment runs past its end")
  return struct.unpack_from(">H", data, position)[0]


def jpeg(data: bytes) -> int:
  """Bytes of a JPEG file up to and including its first SOS segment."""
  if data[:2] != b"\xff\xd8":
    raise ValueError("not a JPEG file (no SOI marker)")
  position = 2
  while position < len(data):
    if data[position] != 0xFF:
      raise ValueError(f"JPEG: expected a marker at byte {position}")
    while position < len(data) and data[position] == 0xFF:  # Fill bytes before a marker.
      position += 1
    if position >= len(data):
      break
    marker = data[position]
    position += 1
    if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # TEM and RSTn carry no length.
      continue
    length = _u16(data, position)  # Counts its own two bytes.
    position += length
    if marker == 0xDA:  # SOS: the entropy-coded data follow.
      return position
  raise ValueError("JPEG: no SOS marker")


def webp(data: bytes) -> int:
  """Bytes of a WebP file before its VP8/VP8L data, frame header included."""
  if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
    raise ValueError("not a WebP file (no RIFF/WEBP header)")
  position = 12
  frame_header = {b"VP8 ": 10, b"VP8L": 5}
  while position + 8 <= len(data):
    fourcc = data[position:position + 4]
    size = struct.unpack_from("<I", data, position + 4)[0]
    if fourcc in frame_header:
      return position + 8 + frame_header[fourcc]
    position += 8 + size + (size & 1)  # Chunks are padded to an even size.
  raise ValueError("WebP: no VP8 or VP8L chunk")


def jpeg2000(data: bytes) -> int:
  """Bytes of a JPEG 2000 file (JP2 or raw codestream) before its first SOT marker."""
  start = _codestream_start(data)
  if data[start:start + 2] != b"\xff\x4f":
    raise ValueError("JPEG 2000: the codestream does not start with SOC")
  position = start + 2
  while position + 2 <= len(data):
    marker = _u16(data, position)
    if marker == 0xFF90:  # SOT: the first tile-part, i.e. coded data, begins.
      return position
    if marker >> 8 != 0xFF:
      raise ValueError(f"JPEG 2000: expected a marker at byte {position}")
    position += 2 + _u16(data, position + 2)
  raise ValueError("JPEG 2000: no SOT marker")


def _codestream_start(data: bytes) -> int:
  """Offset of the codestream: 0 for a raw codestream, else the payload of the jp2c box."""
  if data[:2] == b"\xff\x4f":
    return 0
  position = 0
  while position + 8 <= len(data):
    length, kind = struct.unpack_from(">I4s", data, position)
    header = 8
    if length == 1:  # A 64-bit length follows the type.
      length, header = struct.unpack_from(">Q", data, position + 8)[0], 16
    if kind == b"jp2c":
      return position + header
    if length == 0:  # The last box, to the end of the file.
      break
    position += length
  raise ValueError("not a JPEG 2000 file (no codestream)")

"""Where a file format's headers are: the bytes of a bitstream that carry no coded pixels.

Each function takes one complete file and returns how many of its bytes are headers (for
JPEG, WebP and JPEG 2000 a prefix of the file; in the ISOBMFF files of AVIF and HEIC the coded
data sit in an `mdat` box between headers):

* JPEG: everything before the entropy-coded data of the first scan, i.e. up to and including
  the SOS segment (SOI, APPn, DQT, SOF, DHT, SOS).
* WebP: the RIFF header, every chunk before the image data, and the frame header of the VP8
  (lossy: 10 bytes) or VP8L (lossless: 5 bytes) bitstream.
* JPEG 2000: the JP2 boxes before the codestream, if any, and the codestream's main header up
  to the first SOT (start of tile-part) marker.
* AVIF and HEIC (ISOBMFF/HEIF): every byte outside the coded image items' data (the `ftyp`
  and `meta` boxes: item locations, properties, the codec configuration with its parameter
  sets; the `mdat` box header), and inside that data what is not coded pixels: AV1 OBUs
  other than frames, frame headers and tile groups (the temporal delimiter, the sequence
  header, metadata, padding) and every OBU's header and size field; HEVC NAL units other
  than coded slices (parameter sets, SEI) and every NAL unit's length field and 2-byte NAL
  header. The frame header inside an AV1 frame OBU and the slice segment header of an HEVC
  slice are bit-packed with the coded data and counted with it (so these two formats'
  header share is a slight underestimate, by tens of bytes per image).

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


# ---------------------------------------------------------------------------------------------
# ISOBMFF (HEIF): AVIF and HEIC.


def _uint(data: bytes, position: int, size: int) -> int:
  """A big-endian unsigned integer of `size` bytes (0, 2, 4 or 8; 0 reads as 0)."""
  if position + size > len(data):
    raise ValueError("truncated file: a box runs past its end")
  return int.from_bytes(data[position:position + size], "big")


def _boxes(data: bytes, start: int, end: int):
  """(type, payload start, box end) of the boxes in data[start:end]."""
  position = start
  while position + 8 <= end:
    size, kind = _uint(data, position, 4), data[position + 4:position + 8]
    header = 8
    if size == 1:  # A 64-bit size follows the type.
      size, header = _uint(data, position + 8, 8), 16
    elif size == 0:  # The last box, to the end.
      size = end - position
    if size < header or position + size > end:
      raise ValueError(f"ISOBMFF: box {kind!r} at byte {position} has a bad size {size}")
    yield kind, position + header, position + size
    position += size


def _child(data: bytes, start: int, end: int, kind: bytes):
  """(payload start, end) of the first box of type `kind` in data[start:end]."""
  for found, payload, box_end in _boxes(data, start, end):
    if found == kind:
      return payload, box_end
  raise ValueError(f"ISOBMFF: no {kind.decode()} box")


def _item_types(data: bytes, start: int, end: int) -> dict:
  """{item id: 4-character type} from an `iinf` box's payload (a FullBox)."""
  version = data[start]
  position = start + 4 + (2 if version == 0 else 4)  # version/flags, entry_count.
  types = {}
  for kind, payload, _ in _boxes(data, position, end):
    if kind != b"infe" or data[payload] < 2:  # Versions 0 and 1 carry no item type.
      continue
    id_size = 2 if data[payload] == 2 else 4
    item = _uint(data, payload + 4, id_size)
    types[item] = data[payload + 4 + id_size + 2:payload + 4 + id_size + 6]
  return types


def _item_extents(data: bytes, start: int) -> dict:
  """{item id: [(file offset, length), ...]} from an `iloc` box's payload (a FullBox)."""
  version = data[start]
  position = start + 4
  offset_size, length_size = data[position] >> 4, data[position] & 15
  base_size, index_size = data[position + 1] >> 4, data[position + 1] & 15
  position += 2
  count_size = 2 if version < 2 else 4
  count = _uint(data, position, count_size)
  position += count_size
  extents = {}
  for _ in range(count):
    item = _uint(data, position, count_size)
    position += count_size
    method = 0
    if version in (1, 2):
      method = _uint(data, position, 2) & 15
      position += 2
    position += 2  # data_reference_index: 0, this file.
    base = _uint(data, position, base_size)
    position += base_size
    n = _uint(data, position, 2)
    position += 2
    items = []
    for _ in range(n):
      position += index_size if version in (1, 2) else 0
      offset = _uint(data, position, offset_size)
      length = _uint(data, position + offset_size, length_size)
      position += offset_size + length_size
      items.append((base + offset, length))
    if method != 0:  # Data in the meta box (idat) or in other items: never a coded image.
      items = []
    extents[item] = items
  return extents


def _coded_items(data: bytes, item_type: bytes):
  """The data of every item of `item_type` (coded images: `av01`, `hvc1`) and the payload
  range of the `ipco` box (the items' properties)."""
  meta_start, meta_end = _child(data, 0, len(data), b"meta")
  meta_start += 4  # meta is a FullBox.
  types = _item_types(data, *_child(data, meta_start, meta_end, b"iinf"))
  extents = _item_extents(data, _child(data, meta_start, meta_end, b"iloc")[0])
  chunks = []
  for item, kind in types.items():
    if kind != item_type:
      continue
    for offset, length in extents.get(item, []):
      if length == 0 or offset + length > len(data):
        raise ValueError(f"ISOBMFF: item {item}'s data lie outside the file")
      chunks.append(data[offset:offset + length])
  if not chunks:
    raise ValueError(f"ISOBMFF: no {item_type.decode()} image item")
  return chunks, _child(data, *_child(data, meta_start, meta_end, b"iprp"), b"ipco")


def _leb128(data: bytes, position: int):
  value = 0
  for i in range(8):
    if position + i >= len(data):
      raise ValueError("AV1: truncated OBU size")
    value |= (data[position + i] & 0x7F) << (7 * i)
    if not data[position + i] & 0x80:
      return value, position + i + 1
  raise ValueError("AV1: OBU size longer than 8 bytes")


# AV1 OBU types whose payloads are coded pixels: frame header, tile group, frame (both).
_AV1_CODED = (3, 4, 6)


def _av1_coded_bytes(chunk: bytes) -> int:
  """Payload bytes of the frame, frame-header and tile-group OBUs of an AV1 item."""
  position, coded = 0, 0
  while position < len(chunk):
    header = chunk[position]
    kind, extension, has_size = (header >> 3) & 15, (header >> 2) & 1, (header >> 1) & 1
    position += 1 + extension
    if has_size:
      size, position = _leb128(chunk, position)
    else:
      size = len(chunk) - position
    if position + size > len(chunk):
      raise ValueError("AV1: an OBU runs past its item's data")
    coded += size if kind in _AV1_CODED else 0
    position += size
  return coded


def avif(data: bytes) -> int:
  """Bytes of an AVIF file that are not the payloads of its AV1 frame OBUs."""
  if data[4:8] != b"ftyp":
    raise ValueError("not an ISOBMFF file (no ftyp box)")
  chunks, _ = _coded_items(data, b"av01")
  return len(data) - sum(_av1_coded_bytes(chunk) for chunk in chunks)


def _hevc_length_size(data: bytes, ipco_start: int, ipco_end: int) -> int:
  """Bytes of each NAL unit's length field, from the hvcC property (lengthSizeMinusOne)."""
  start, end = _child(data, ipco_start, ipco_end, b"hvcC")
  if end - start < 23:
    raise ValueError("HEIC: hvcC box too short")
  return (data[start + 21] & 3) + 1


def _hevc_coded_bytes(chunk: bytes, length_size: int) -> int:
  """Bytes of the coded slices (VCL NAL units, types 0-31) after their 2-byte NAL header."""
  position, coded = 0, 0
  while position < len(chunk):
    size = _uint(chunk, position, length_size)
    position += length_size
    if size < 2 or position + size > len(chunk):
      raise ValueError("HEIC: a NAL unit runs past its item's data")
    if (chunk[position] >> 1) & 0x3F < 32:
      coded += size - 2
    position += size
  return coded


def heic(data: bytes) -> int:
  """Bytes of a HEIC file that are not the payloads of its coded HEVC slices."""
  if data[4:8] != b"ftyp":
    raise ValueError("not an ISOBMFF file (no ftyp box)")
  chunks, ipco = _coded_items(data, b"hvc1")
  length_size = _hevc_length_size(data, *ipco)
  return len(data) - sum(_hevc_coded_bytes(chunk, length_size) for chunk in chunks)

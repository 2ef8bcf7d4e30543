"""Real codecs measured against the sandwich: bitstreams in, bytes counted, distortion decoded.

`base.Codec` is the protocol, `base.measure` turns a codec into a `codec:<name>` record, and
`registry` knows which codec families apply to a source and how to sweep them.
"""

from rdbounds.codecs.base import Codec, measure

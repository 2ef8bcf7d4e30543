"""Real codecs measured against the sandwich: bitstreams in, bytes counted, distortion decoded.

`base.Codec` is the protocol and `base.measure` turns a codec into a `codec:<name>` record;
`config` registers each codec family as an estimator (`codec:<family>`), `estimator` builds
and measures its operating points.
"""

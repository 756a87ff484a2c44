;; The safety net's tag scan (src/dicom/tag-hits.ts): every position i ≤ last of the bytes at
;; `base` where an identifier tag's 4 bytes start, in either byte order, written to `out` in order
;; as (i, tag | 0x80000000 when big endian) pairs of i32. Exactly the hits of scanAt in
;; identifier-scan.ts: little endian = group byte, 0, element LE; big endian = 0, group byte,
;; element BE; the group byte is never 0, and (group, element) must be in the set.
;;
;; Tables (written by tag-hits.ts, per tag set; at most 8 groups, each given one bit):
;;   LO (16 bytes), HI (16 bytes): bits of the groups by low and high nibble, so that
;;     LO[b & 15] & HI[b >> 4] is b's group bit, or 0 when b is no group (nor 0);
;;   GROUP_BITS (256 bytes): the same bit, by byte;
;;   ELEMENTS (65536 bytes): the bits of the groups that have this element in the set.
;; Per 16 positions, two loads (at p and p+1) give every byte and its successor: a position is a
;; candidate when it holds a group byte followed by 0, or 0 followed by a group byte. Most blocks
;; of pixel data have none and cost a few vector operations; candidates are checked one by one.
(module
  (memory (export "memory") 19)
  (global (export "LO") i32 (i32.const 0))
  (global (export "HI") i32 (i32.const 16))
  (global (export "GROUP_BITS") i32 (i32.const 32))
  (global (export "ELEMENTS") i32 (i32.const 1024))
  (global (export "OUT") i32 (i32.const 66560))
  (global (export "CAP") i32 (i32.const 4096))
  (global (export "DATA") i32 (i32.const 131072))

  ;; The hit at address $a (position $j), if any, appended to $out as the $n-th: returns the new count.
  (func $check (param $a i32) (param $j i32) (param $out i32) (param $n i32) (result i32)
    (local $x i32) (local $y i32) (local $g i32) (local $e i32) (local $tag i32)
    (local.set $x (i32.load8_u (local.get $a)))
    (local.set $y (i32.load8_u offset=1 (local.get $a)))
    (if (i32.eqz (local.get $y))
      (then
        ;; little endian: group, 0, element (GROUP_BITS[0] is 0)
        (local.set $g (i32.load8_u offset=32 (local.get $x)))
        (if (i32.eqz (local.get $g)) (then (return (local.get $n))))
        (local.set $e (i32.load16_u offset=2 align=1 (local.get $a)))
        (if (i32.eqz (i32.and (i32.load8_u offset=1024 (local.get $e)) (local.get $g)))
          (then (return (local.get $n))))
        (local.set $tag (i32.or (i32.shl (local.get $x) (i32.const 16)) (local.get $e))))
      (else
        ;; big endian: 0, group, element
        (if (local.get $x) (then (return (local.get $n))))
        (local.set $g (i32.load8_u offset=32 (local.get $y)))
        (if (i32.eqz (local.get $g)) (then (return (local.get $n))))
        (local.set $e
          (i32.or
            (i32.shl (i32.load8_u offset=2 (local.get $a)) (i32.const 8))
            (i32.load8_u offset=3 (local.get $a))))
        (if (i32.eqz (i32.and (i32.load8_u offset=1024 (local.get $e)) (local.get $g)))
          (then (return (local.get $n))))
        (local.set $tag
          (i32.or (i32.or (i32.shl (local.get $y) (i32.const 16)) (local.get $e)) (i32.const 0x80000000)))))
    (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $j))
    (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))) (local.get $tag))
    (i32.add (local.get $n) (i32.const 1)))

  ;; Hits at positions $i..$last of the bytes at $base (which hold $last + 4 bytes), at most $cap
  ;; of them: returns their count; when it is $cap, the caller resumes after the last one.
  (func (export "scan") (param $base i32) (param $i i32) (param $last i32) (param $out i32) (param $cap i32) (result i32)
    (local $lo v128) (local $hi v128) (local $low v128) (local $v v128) (local $v1 v128) (local $c v128)
    (local $p i32) (local $m i32) (local $k i32) (local $n i32)
    (local.set $lo (v128.load (i32.const 0)))
    (local.set $hi (v128.load (i32.const 16)))
    (local.set $low (i8x16.splat (i32.const 15)))
    (block $tail
      (loop $vec
        ;; 16 positions while the last of them is ≤ $last (the load at p+1 then ends at ≤ $last + 1)
        (br_if $tail (i32.gt_s (i32.add (local.get $i) (i32.const 15)) (local.get $last)))
        (local.set $p (i32.add (local.get $base) (local.get $i)))
        (local.set $v (v128.load align=1 (local.get $p)))
        (local.set $v1 (v128.load offset=1 align=1 (local.get $p)))
        (local.set $c
          (v128.or
            (v128.and
              (v128.and
                (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $low)))
                (i8x16.swizzle (local.get $hi) (i8x16.shr_u (local.get $v) (i32.const 4))))
              (i8x16.eq (local.get $v1) (v128.const i64x2 0 0)))
            (v128.and
              (i8x16.eq (local.get $v) (v128.const i64x2 0 0))
              (v128.and
                (i8x16.swizzle (local.get $lo) (v128.and (local.get $v1) (local.get $low)))
                (i8x16.swizzle (local.get $hi) (i8x16.shr_u (local.get $v1) (i32.const 4)))))))
        (if (v128.any_true (local.get $c))
          (then
            (local.set $m (i8x16.bitmask (i8x16.ne (local.get $c) (v128.const i64x2 0 0))))
            (loop $bits
              (local.set $k (i32.ctz (local.get $m)))
              (local.set $n
                (call $check
                  (i32.add (local.get $p) (local.get $k))
                  (i32.add (local.get $i) (local.get $k))
                  (local.get $out) (local.get $n)))
              (if (i32.eq (local.get $n) (local.get $cap)) (then (return (local.get $n))))
              (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
              (br_if $bits (local.get $m)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    ;; the last < 16 positions, one by one
    (block $done
      (loop $one
        (br_if $done (i32.gt_s (local.get $i) (local.get $last)))
        (local.set $n
          (call $check (i32.add (local.get $base) (local.get $i)) (local.get $i) (local.get $out) (local.get $n)))
        (if (i32.eq (local.get $n) (local.get $cap)) (then (return (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one)))
    (local.get $n))
)

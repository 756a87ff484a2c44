;; The safety net's tag scan (src/dicom/tag-hits.ts): every position i ≤ last of the bytes at
;; `base` where an identifier tag's 4 bytes start, in either byte order, written to `out` in order
;; as (i, tag | 0x80000000 when big endian) pairs of i32. Exactly the hits of scanAt in
;; identifier-scan.ts: little endian = group byte, 0, element LE; big endian = 0, group byte,
;; element BE; the group byte is never 0, and (group, element) must be in the set.
;;
;; Tables (written by tag-hits.ts per tag set, which has at most 7 groups other than 0):
;;   LO (16 bytes), HI (16 bytes): a byte's class is LO[b & 15] & HI[b >> 4]: bit 7 (ZERO) for
;;     the byte 0, one of bits 0..6 for a group's byte, 0 for any other;
;;   GROUP_BITS (256 bytes): the group's bit, by byte (0 for any other byte);
;;   ELEMENTS (65536 bytes): the bits of the groups that have this element in the set.
;; The classes of 16 bytes cost two swizzles; the classes of the next 16 give, by a shuffle, those
;; of each byte's successor. Most 32-byte runs of pixel data hold no candidate (a group byte beside
;; a zero) and cost a few vector operations; each candidate's element is then checked exactly
;; against ELEMENTS (inline in the vector loop, by $check for the last positions, one by one).
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

;; The classes of the 16 bytes of $v.
  (func $class (param $v v128) (param $lo v128) (param $hi v128) (param $low v128) (result v128)
    (v128.and
      (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $low)))
      (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $low)))))

  ;; Hits at positions $i..$last of the bytes at $base (which hold $last + 4 bytes; up to 48 more
  ;; are read, and change no answer), at most $cap of them: returns their count; when it is $cap,
  ;; the caller resumes after the last one.
  (func (export "scan") (param $base i32) (param $i i32) (param $last i32) (param $out i32) (param $cap i32) (result i32)
    (local $lo v128) (local $hi v128) (local $low v128) (local $top v128) (local $rest v128) (local $v v128) (local $a v128) (local $a1 v128) (local $a2 v128)
    (local $p i32) (local $m i32) (local $k i32) (local $n i32) (local $q i32) (local $little i32) (local $g i32) (local $e i32) (local $at i32)
    (local.set $lo (v128.load (i32.const 0)))
    (local.set $hi (v128.load (i32.const 16)))
    (local.set $low (i8x16.splat (i32.const 15)))
    (local.set $top (i8x16.splat (i32.const 0x80)))
    (local.set $rest (i8x16.splat (i32.const 0x7f)))
    (local.set $a (call $class (v128.load align=1 (i32.add (local.get $base) (local.get $i))) (local.get $lo) (local.get $hi) (local.get $low)))
    (block $tail
      (loop $vec
        ;; 32 positions while the last of them is ≤ $last
        (br_if $tail (i32.gt_s (i32.add (local.get $i) (i32.const 31)) (local.get $last)))
        (local.set $p (i32.add (local.get $base) (local.get $i)))
        ;; the next 32 bytes' classes (of the last 16, only byte p+32 ≤ $last + 1 is used here)
        (local.set $v (v128.load offset=16 align=1 (local.get $p)))
        (local.set $a1
          (v128.and
            (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $low)))
            (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $low)))))
        (local.set $v (v128.load offset=32 align=1 (local.get $p)))
        (local.set $a2
          (v128.and
            (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $low)))
            (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $low)))))
        ;; Candidates at each position i of the 32: the classes of bytes i and i+1 hold a group bit
        ;; and ZERO (a byte is never both), so their union is above 0x80: 0x80 off (saturating)
        ;; leaves a rest, and + 0x7f sets its top bit.
        (local.set $m
          (i32.or
            (i8x16.bitmask
              (i8x16.add_sat_u
                (i8x16.sub_sat_u
                  (v128.or (local.get $a) (i8x16.shuffle 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 (local.get $a) (local.get $a1)))
                  (local.get $top))
                (local.get $rest)))
            (i32.shl
              (i8x16.bitmask
              (i8x16.add_sat_u
                (i8x16.sub_sat_u
                  (v128.or (local.get $a1) (i8x16.shuffle 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 (local.get $a1) (local.get $a2)))
                  (local.get $top))
                (local.get $rest)))
              (i32.const 16))))
        (if (local.get $m)
          (then
            (loop $bits
              ;; A candidate is group, 0 (little endian) or 0, group (big endian), so only the
              ;; element is left to check; the hit is written whatever the answer, and counted if true.
              (local.set $k (i32.ctz (local.get $m)))
              (local.set $q (i32.add (local.get $p) (local.get $k)))
              (local.set $little (i32.eqz (i32.load8_u offset=1 (local.get $q))))
              (local.set $g (select (i32.load8_u (local.get $q)) (i32.load8_u offset=1 (local.get $q)) (local.get $little)))
              (local.set $e (i32.load16_u offset=2 align=1 (local.get $q)))
              (local.set $e
                (select (local.get $e)
                  (i32.or (i32.shl (i32.and (local.get $e) (i32.const 0xff)) (i32.const 8)) (i32.shr_u (local.get $e) (i32.const 8)))
                  (local.get $little)))
              (local.set $at (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
              (i32.store (local.get $at) (i32.add (local.get $i) (local.get $k)))
              (i32.store offset=4 (local.get $at)
                (i32.or
                  (i32.or (i32.shl (local.get $g) (i32.const 16)) (local.get $e))
                  (select (i32.const 0) (i32.const 0x80000000) (local.get $little))))
              (local.set $n
                (i32.add (local.get $n)
                  (i32.ne (i32.and (i32.load8_u offset=1024 (local.get $e)) (i32.load8_u offset=32 (local.get $g))) (i32.const 0))))
              (if (i32.eq (local.get $n) (local.get $cap)) (then (return (local.get $n))))
              (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
              (br_if $bits (local.get $m)))))
        (local.set $a (local.get $a2))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br $vec)))
    ;; the last < 32 positions, one by one
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

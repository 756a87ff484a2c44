;; Multi-needle search for the safety net (src/dicom/needle-search.ts): which of a few needles
;; stand in a haystack as whole values, i.e. not between letters, digits or dots. The haystack is
;; walked in chunks that stay in L1; each needle still unfound scans the chunk with Muła's
;; "SIMD-friendly generic" filter (its first and last byte compared 16 positions at a time), so the
;; bytes come from memory once for all needles and a candidate is rare in pixel data.
;;
;; Memory, laid out by the caller: a table of 16-byte entries (needle pointer, length, found flag),
;; the needles' bytes, the haystack, then at least PAD (64) bytes of anything: the filter loads up
;; to 63 bytes past the last candidate's needle end and its findings there are discarded.
(module
  (memory (export "memory") 1)

  ;; Bytes that make a value part of a longer word: 0-9, A-Z, a-z and '.'.
  (func $word (param $c i32) (result i32)
    (i32.or
      (i32.or
        (i32.lt_u (i32.sub (local.get $c) (i32.const 0x30)) (i32.const 10))
        (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61)) (i32.const 26)))
      (i32.eq (local.get $c) (i32.const 0x2e))))

  ;; Whether the needle (np, len) stands at hay + i whole: all its bytes inside [0, m), and the
  ;; bytes before and after it, where inside [0, m), not word bytes.
  (func $whole (param $hay i32) (param $m i32) (param $i i32) (param $np i32) (param $len i32) (result i32)
    (local $a i32) (local $k i32)
    (if (i32.gt_u (i32.add (local.get $i) (local.get $len)) (local.get $m)) (then (return (i32.const 0))))
    (local.set $a (i32.add (local.get $hay) (local.get $i)))
    (block $done8
      (loop $by8
        (br_if $done8 (i32.gt_u (i32.add (local.get $k) (i32.const 8)) (local.get $len)))
        (if (i64.ne (i64.load (i32.add (local.get $a) (local.get $k))) (i64.load (i32.add (local.get $np) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (br $by8)))
    (block $done1
      (loop $by1
        (br_if $done1 (i32.ge_u (local.get $k) (local.get $len)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $k))) (i32.load8_u (i32.add (local.get $np) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $by1)))
    (if (local.get $i)
      (then (if (call $word (i32.load8_u (i32.sub (local.get $a) (i32.const 1)))) (then (return (i32.const 0))))))
    (if (i32.lt_u (i32.add (local.get $i) (local.get $len)) (local.get $m))
      (then (if (call $word (i32.load8_u (i32.add (local.get $a) (local.get $len)))) (then (return (i32.const 0))))))
    (i32.const 1))

  ;; Whether the needle stands whole at some start in [p, e), 64 starts per step.
  (func $scan (param $hay i32) (param $m i32) (param $p i32) (param $e i32) (param $np i32) (param $len i32) (result i32)
    (local $first v128) (local $last v128) (local $l1 i32) (local $q i32) (local $r i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $bits i64) (local $i i32)
    (local.set $l1 (i32.sub (local.get $len) (i32.const 1)))
    (local.set $first (i8x16.splat (i32.load8_u (local.get $np))))
    (local.set $last (i8x16.splat (i32.load8_u (i32.add (local.get $np) (local.get $l1)))))
    (block $out
      (loop $step
        (br_if $out (i32.ge_u (local.get $p) (local.get $e)))
        (local.set $q (i32.add (local.get $hay) (local.get $p)))
        (local.set $r (i32.add (local.get $q) (local.get $l1)))
        (local.set $a0 (v128.and (i8x16.eq (v128.load (local.get $q)) (local.get $first))
                                 (i8x16.eq (v128.load (local.get $r)) (local.get $last))))
        (local.set $a1 (v128.and (i8x16.eq (v128.load offset=16 (local.get $q)) (local.get $first))
                                 (i8x16.eq (v128.load offset=16 (local.get $r)) (local.get $last))))
        (local.set $a2 (v128.and (i8x16.eq (v128.load offset=32 (local.get $q)) (local.get $first))
                                 (i8x16.eq (v128.load offset=32 (local.get $r)) (local.get $last))))
        (local.set $a3 (v128.and (i8x16.eq (v128.load offset=48 (local.get $q)) (local.get $first))
                                 (i8x16.eq (v128.load offset=48 (local.get $r)) (local.get $last))))
        (if (v128.any_true (v128.or (v128.or (local.get $a0) (local.get $a1)) (v128.or (local.get $a2) (local.get $a3))))
          (then
            (local.set $bits
              (i64.or
                (i64.extend_i32_u (i32.or (i8x16.bitmask (local.get $a0)) (i32.shl (i8x16.bitmask (local.get $a1)) (i32.const 16))))
                (i64.shl
                  (i64.extend_i32_u (i32.or (i8x16.bitmask (local.get $a2)) (i32.shl (i8x16.bitmask (local.get $a3)) (i32.const 16))))
                  (i64.const 32))))
            (loop $candidates
              (local.set $i (i32.add (local.get $p) (i32.wrap_i64 (i64.ctz (local.get $bits)))))
              ;; Starts come in order: one at or past e ends the search.
              (if (i32.ge_u (local.get $i) (local.get $e)) (then (return (i32.const 0))))
              (if (call $whole (local.get $hay) (local.get $m) (local.get $i) (local.get $np) (local.get $len))
                (then (return (i32.const 1))))
              (local.set $bits (i64.and (local.get $bits) (i64.sub (local.get $bits) (i64.const 1))))
              (br_if $candidates (i64.ne (local.get $bits) (i64.const 0))))))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $step)))
    (i32.const 0))

  ;; Searches starts [from, to) of the haystack (hay, m) for the `count` needles of `table` whose
  ;; found flag is 0, setting the flag of each found; returns how many are still unfound.
  (func (export "search") (param $table i32) (param $count i32) (param $hay i32) (param $m i32) (param $from i32) (param $to i32) (result i32)
    (local $left i32) (local $k i32) (local $ent i32) (local $c i32) (local $ce i32) (local $len i32) (local $e i32)
    (block $counted
      (loop $count
        (br_if $counted (i32.ge_u (local.get $k) (local.get $count)))
        (if (i32.eqz (i32.load offset=8 (i32.add (local.get $table) (i32.shl (local.get $k) (i32.const 4)))))
          (then (local.set $left (i32.add (local.get $left) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $count)))
    (local.set $c (local.get $from))
    (block $out
      (loop $chunks
        (br_if $out (i32.or (i32.ge_u (local.get $c) (local.get $to)) (i32.eqz (local.get $left))))
        ;; 16 KiB of starts per chunk: with the longest needle's tail, it stays in L1 for all needles.
        (local.set $ce (i32.add (local.get $c) (i32.const 16384)))
        (if (i32.gt_u (local.get $ce) (local.get $to)) (then (local.set $ce (local.get $to))))
        (local.set $k (i32.const 0))
        (block $needles_done
          (loop $needles
            (br_if $needles_done (i32.ge_u (local.get $k) (local.get $count)))
            (local.set $ent (i32.add (local.get $table) (i32.shl (local.get $k) (i32.const 4))))
            (local.set $len (i32.load offset=4 (local.get $ent)))
            (if (i32.and (i32.eqz (i32.load offset=8 (local.get $ent))) (i32.le_u (local.get $len) (local.get $m)))
              (then
                ;; Last start at which the needle fits: m - len.
                (local.set $e (i32.add (i32.sub (local.get $m) (local.get $len)) (i32.const 1)))
                (if (i32.gt_u (local.get $e) (local.get $ce)) (then (local.set $e (local.get $ce))))
                (if (i32.lt_u (local.get $c) (local.get $e))
                  (then
                    (if (call $scan (local.get $hay) (local.get $m) (local.get $c) (local.get $e) (i32.load (local.get $ent)) (local.get $len))
                      (then
                        (i32.store offset=8 (local.get $ent) (i32.const 1))
                        (local.set $left (i32.sub (local.get $left) (i32.const 1)))))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $needles)))
        (local.set $c (local.get $ce))
        (br $chunks)))
    (local.get $left))
)

// The safety net's WebAssembly kernels (tag-scan.wat, needle-search.wat) start the same way: compiled
// synchronously (each module is under 1 KiB), once per thread by their caller, and not at all where
// this engine runs no WebAssembly SIMD (node --jitless, an old engine): the caller then answers with
// its JavaScript reference.

/** The kernel's exports, or null when this engine cannot compile or instantiate it. */
export function instantiateKernel(bytes: Uint8Array): WebAssembly.Exports | null {
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports;
  } catch {
    return null;
  }
}

// Type stub for @echogarden/pffft-wasm, which ships without types: Emscripten module factories (SIMD and scalar builds).
declare module '@echogarden/pffft-wasm/simd' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}
declare module '@echogarden/pffft-wasm' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}

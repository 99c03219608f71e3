// Type stub for @echogarden/rubberband-wasm, which ships without types: an Emscripten module factory.
declare module '@echogarden/rubberband-wasm' {
  const factory: (moduleArg?: Record<string, unknown>) => Promise<unknown>;
  export default factory;
}

// fontkit 2 ships no type declarations; pdf-lib only needs it as an opaque font engine.
declare module "fontkit" {
  export function create(buffer: Uint8Array, postscriptName?: string): unknown;
}

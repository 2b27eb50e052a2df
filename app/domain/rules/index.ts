/** The pure rules module (docs/rules.md R2, R5–R8, R10–R12, R14): isomorphic, no clock, no I/O. */
export * from "./days";
export * from "./profiles";
export * from "./tender";
export * from "./violations";

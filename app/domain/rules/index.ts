export * from "./days";
export * from "./profiles";
export * from "./tender";
export * from "./violations";

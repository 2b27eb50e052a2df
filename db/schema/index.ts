export * from "./accounts";
export * from "./tenders";
export * from "./record";
export * from "./experts";
export * from "./jobs";
export * from "./bids";
export * from "./opening";

/**
 * Bounds of the rooms resource (app/services/rooms; ADR 015 "Rooms"), shared by the service and the forms: every
 * string and number a request can set is bounded here.
 */
export const ROOM_LIMITS = { code: 20, name: 60, location: 120, note: 500, reason: 500, capacity: 500 } as const;
/** An evaluation booking lasts this long unless the booker says otherwise (hours). */
export const DEFAULT_EVALUATION_HOURS = 4;
export const MAX_EVALUATION_HOURS = 12;
/** No single booking holds a room longer than this (hours). */
export const MAX_BOOKING_HOURS = 24;

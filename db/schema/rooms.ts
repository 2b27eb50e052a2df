import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgEnum, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./accounts";
import { createdAt, id, instant } from "./columns";
import { sections } from "./tenders";

/** A room of the trading centre (评标室 closed review rooms, 开标室 opening halls): a bookable resource. */
export const roomKind = pgEnum("room_kind", ["review", "opening"]);

export const rooms = pgTable(
  "rooms",
  {
    id: id(),
    /** Short code shown on invitations and door signs, unique (e.g. "PB-07"). */
    code: text().notNull(),
    name: text().notNull(),
    kind: roomKind().notNull(),
    location: text().notNull().default(""),
    /** Seats (a committee of 7 needs at least 7). */
    capacity: integer().notNull(),
    active: boolean().notNull().default(true),
    note: text().notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("rooms_code_uq").on(t.code), check("rooms_capacity_ck", sql`${t.capacity} between 1 and 500`)],
);

/**
 * A booking of one room for a time slot. The database refuses two live bookings of one room
 * whose slots overlap (an exclusion constraint over tstzrange, btree_gist; migration 0009).
 */
export const roomBookings = pgTable(
  "room_bookings",
  {
    id: id(),
    roomId: uuid()
      .notNull()
      .references(() => rooms.id),
    sectionId: uuid().references(() => sections.id),
    purpose: text().$type<"evaluation" | "opening" | "other">().notNull(),
    startsAt: instant().notNull(),
    endsAt: instant().notNull(),
    bookedBy: uuid()
      .notNull()
      .references(() => users.id),
    note: text().notNull().default(""),
    cancelledAt: instant(),
    cancelledBy: uuid().references(() => users.id),
    cancelReason: text(),
    createdAt: createdAt(),
  },
  (t) => [index("room_bookings_room_idx").on(t.roomId, t.startsAt), index("room_bookings_section_idx").on(t.sectionId), check("room_bookings_slot_ck", sql`${t.endsAt} > ${t.startsAt}`)],
);

export type Room = typeof rooms.$inferSelect;
export type RoomBooking = typeof roomBookings.$inferSelect;

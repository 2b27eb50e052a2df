import type { AppContext } from "#app/services/platform/context.server";
import type { Actor } from "#app/services/platform/actor";
import { createRoom } from "#app/services/rooms/rooms.server";

/** 大庆's centre: 21 closed review rooms (评标室) and 5 opening halls (开标室). */
export const DEMO_REVIEW_ROOMS = 21;
export const DEMO_OPENING_HALLS = 5;

/**
 * DEMO ONLY: the centre's rooms, created by its admin through the command layer (the record holds each
 * `room.create`). Review rooms PB-01…PB-21 on floors 3–5, seven a floor, 9 seats (a ZFCG committee of 7 from a
 * ¥10M budget plus room to spare; every fourth room seats 11); opening halls KB-01…KB-05 on floor 2.
 */
export async function seedRooms(app: AppContext, admin: Actor): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= DEMO_REVIEW_ROOMS; i++) {
    const n = String(i).padStart(2, "0");
    const floor = 3 + Math.floor((i - 1) / 7);
    ids.push(
      await createRoom(app, admin, {
        code: `PB-${n}`,
        name: `第${i}评标室`,
        kind: "review",
        location: `交易中心${floor}楼 ${floor}${String(((i - 1) % 7) + 1).padStart(2, "0")}室（封闭评标区）`,
        capacity: i % 4 === 0 ? 11 : 9,
        note: "封闭评标区：音视频全程录像，专家凭证书入场",
      }),
    );
  }
  for (let i = 1; i <= DEMO_OPENING_HALLS; i++) {
    ids.push(
      await createRoom(app, admin, {
        code: `KB-0${i}`,
        name: `第${i}开标室`,
        kind: "opening",
        location: `交易中心2楼 20${i}室`,
        capacity: i === 1 ? 120 : 60,
        note: "",
      }),
    );
  }
  return ids;
}

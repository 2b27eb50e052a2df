// `npm run seed`: seeds the demo trading centre into an empty database (DATABASE_URL or the
// embedded database under DATA_DIR) and prints the demo logins; does nothing otherwise.
import { loadConfig } from "#app/services/platform/config.server";
import { boot } from "./boot";
import { seedDemo } from "./seed";

const booted = await boot(loadConfig());
try {
  const seeded = await seedDemo(booted.app);
  if (!seeded) console.log("The database already has data; nothing seeded.");
  else for (const l of seeded.logins) console.log(`${l.role.padEnd(15)} ${l.username.padEnd(14)} ${l.password}   ${l.org}`);
} finally {
  await booted.close();
}

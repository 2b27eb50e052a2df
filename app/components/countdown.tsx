import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { countdownParts } from "#app/domain/countdown";

/**
 * The server's clock, ticking once a second in the browser. The first render uses the server's time exactly (so the
 * HTML and the hydrated page agree); afterwards the browser's clock runs on with the server's offset.
 */
export function useServerNow(serverNow: string): number {
  const [offset] = useState(() => new Date(serverNow).getTime() - Date.now());
  const [now, setNow] = useState(() => new Date(serverNow).getTime());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() + offset), 1000);
    return () => clearInterval(timer);
  }, [offset]);
  return now;
}

/** Time left until `until`: "25 天 07:19:24" / "25 d 07:19:24", "07:19:24" on the last day, "19:24" in the last hour. */
export function Countdown({ until, now }: { until: string; now: number }) {
  const { t } = useTranslation();
  const c = countdownParts(new Date(until).getTime() - now);
  return (
    <span className="mono countdown" data-testid="countdown">
      {c.days > 0 ? t("countdown.days", { days: c.days, hms: c.hms }) : c.hms}
    </span>
  );
}

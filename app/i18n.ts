import i18next, { type i18n as I18n } from "i18next";
import { initReactI18next } from "react-i18next";
import { resources } from "./locales/index";

/** zh-CN is the default language; English is the switch (PRODUCT.md §4). */
export const LANGUAGES = ["zh-CN", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = "zh-CN";
export const LANGUAGE_COOKIE = "th_lng";

export function normaliseLanguage(value: string | null | undefined): Language {
  if (!value) return DEFAULT_LANGUAGE;
  const v = value.toLowerCase();
  if (v === "en" || v.startsWith("en-")) return "en";
  return DEFAULT_LANGUAGE;
}

/** A synchronous i18next instance with every catalog bundled (the same on server and browser). */
export function createI18n(lng: Language): I18n {
  const inst = i18next.createInstance();
  void inst.use(initReactI18next).init({
    lng,
    fallbackLng: false,
    supportedLngs: [...LANGUAGES],
    resources,
    ns: Object.keys(resources["zh-CN"]),
    defaultNS: "common",
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
    showSupportNotice: false,
  });
  return inst;
}

/** Server-side translation without React (errors, feeds, notices). */
const cache = new Map<Language, I18n>();
export function serverT(lng: Language) {
  let inst = cache.get(lng);
  if (!inst) cache.set(lng, (inst = createI18n(lng)));
  return inst.t.bind(inst);
}

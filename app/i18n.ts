import i18next, { type i18n as I18n } from "i18next";
import { initReactI18next } from "react-i18next";
import { resources } from "./locales/index";

/** zh-CN is the default language; English is the switch (docs/product.md §4). */
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

const instances = new Map<Language, I18n>();

/**
 * The i18next instance for a language, created once (synchronously, every catalog bundled;
 * the same on server and browser). Instances are per language, so sharing them across
 * requests is safe: nothing ever calls changeLanguage on them.
 */
export function createI18n(lng: Language): I18n {
  let inst = instances.get(lng);
  if (!inst) instances.set(lng, (inst = newInstance(lng)));
  return inst;
}

function newInstance(lng: Language): I18n {
  const inst = i18next.createInstance();
  void inst.use(initReactI18next).init({
    lng,
    fallbackLng: false,
    supportedLngs: [...LANGUAGES],
    load: "currentOnly",
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
export function serverT(lng: Language) {
  const inst = createI18n(lng);
  return inst.t.bind(inst);
}

import enAdmin from "./en/admin.json";
import enBids from "./en/bids.json";
import enCommon from "./en/common.json";
import enEvaluation from "./en/evaluation.json";
import enPool from "./en/pool.json";
import enPortal from "./en/portal.json";
import enResults from "./en/results.json";
import enRules from "./en/rules.json";
import enSupervision from "./en/supervision.json";
import enTender from "./en/tender.json";
import enWorkbench from "./en/workbench.json";
import zhAdmin from "./zh-CN/admin.json";
import zhBids from "./zh-CN/bids.json";
import zhCommon from "./zh-CN/common.json";
import zhEvaluation from "./zh-CN/evaluation.json";
import zhPool from "./zh-CN/pool.json";
import zhPortal from "./zh-CN/portal.json";
import zhResults from "./zh-CN/results.json";
import zhRules from "./zh-CN/rules.json";
import zhSupervision from "./zh-CN/supervision.json";
import zhTender from "./zh-CN/tender.json";
import zhWorkbench from "./zh-CN/workbench.json";

/** Every catalog, by language and namespace. test/unit/i18n.test.ts fails when a key is missing in either. */
export const resources = {
  "zh-CN": { common: zhCommon, rules: zhRules, portal: zhPortal, admin: zhAdmin, tender: zhTender, pool: zhPool, bids: zhBids, evaluation: zhEvaluation, results: zhResults, supervision: zhSupervision, workbench: zhWorkbench },
  en: { common: enCommon, rules: enRules, portal: enPortal, admin: enAdmin, tender: enTender, pool: enPool, bids: enBids, evaluation: enEvaluation, results: enResults, supervision: enSupervision, workbench: enWorkbench },
} as const;

import type { PortabilityRule } from "../rule.js";
import { CLAUSE_RULES } from "./clauses.js";
import { FUNCTION_RULES } from "./functions.js";
import { LITERAL_RULES } from "./literals.js";
import { OPERATOR_RULES } from "./operators.js";
import { SELECT_LIST_RULES } from "./select-list.js";

/** Every portability rule, in the order of docs/portability.md. */
export const RULES: readonly PortabilityRule[] = [...OPERATOR_RULES, ...LITERAL_RULES, ...FUNCTION_RULES, ...CLAUSE_RULES, ...SELECT_LIST_RULES];

import { CoverageSettings, DEFAULT_COVERAGE_RULES } from '../../../contract/index.ts';
import type { CoverageKind, RoomType, SiteFile } from '../../../contract/index.ts';

export interface EffectiveCoverageRules {
  required: Partial<Record<RoomType, readonly CoverageKind[]>>;
  testWithinDays: number;
  /** A battery at or below this (%) is low even without the device's flag (site rules, devices.batteryLowPercent). */
  batteryLowPercent: number;
}

/** The product's defaults with the site's overrides over them: a room type the site names takes its list. */
export function coverageRulesOf(site: SiteFile): EffectiveCoverageRules {
  const settings = CoverageSettings.parse(site.coverage ?? {});
  return {
    required: { ...DEFAULT_COVERAGE_RULES, ...settings.rules },
    testWithinDays: settings.testWithinDays,
    batteryLowPercent: site.rules.devices.batteryLowPercent,
  };
}

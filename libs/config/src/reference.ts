import type { TObject } from '@sinclair/typebox';

export interface SettingDoc {
  name: string;
  description: string;
  default: string;
  required: boolean;
}

/** The documentation of one app's settings, in declaration order, for the README. */
export function settingsReference(schema: TObject): SettingDoc[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, prop]) => ({
    name,
    description: String(prop.description ?? ''),
    default: prop.default === undefined ? '' : String(prop.default),
    required: required.has(name) && prop.default === undefined,
  }));
}

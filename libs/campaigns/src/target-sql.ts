import type { CampaignTarget, ReportedVersionFilter } from '@roadcast/contracts';

export interface SqlFragment {
  text: string;
  values: unknown[];
}

/**
 * The WHERE condition over `vehicles v` selecting a campaign target: listed ids, or vehicles
 * matching every field of the filter (an empty filter matches the whole fleet). Placeholders
 * start after `offset` existing parameters.
 */
export function targetCondition(target: CampaignTarget, offset: number): SqlFragment {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${offset + values.length}`;
  };
  const alternatives: string[] = [];
  if (target.vehicleIds && target.vehicleIds.length > 0) {
    alternatives.push(`v.id = ANY(${param(target.vehicleIds)}::text[])`);
  }
  if (target.filter) {
    const f = target.filter;
    const all: string[] = [];
    if (f.model !== undefined) all.push(`v.model = ${param(f.model)}`);
    if (f.region !== undefined) all.push(`v.region = ${param(f.region)}`);
    if (f.softwareVersion !== undefined)
      all.push(`v.software_version = ${param(f.softwareVersion)}`);
    if (f.tags !== undefined && f.tags.length > 0) all.push(`v.tags @> ${param(f.tags)}::text[]`);
    if (f.reportedVersion !== undefined)
      all.push(reportedVersionCondition(f.reportedVersion, param));
    alternatives.push(all.length > 0 ? `(${all.join(' AND ')})` : 'TRUE');
  }
  return { text: alternatives.length > 0 ? alternatives.join(' OR ') : 'FALSE', values };
}

/**
 * The inventory part of a filter: one probe per vehicle, index-only in
 * (component, version, vehicle_id) for a version, by primary key for "another version".
 */
function reportedVersionCondition(
  filter: ReportedVersionFilter,
  param: (value: unknown) => string,
): string {
  const component = param(filter.component);
  if ('version' in filter)
    return `EXISTS (SELECT 1 FROM vehicle_components k
      WHERE k.component = ${component} AND k.version = ${param(filter.version)} AND k.vehicle_id = v.id)`;
  return `EXISTS (SELECT 1 FROM vehicle_components k
      WHERE k.vehicle_id = v.id AND k.component = ${component} AND k.version <> ${param(filter.notVersion)})`;
}

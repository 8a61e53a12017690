import { Type } from '@sinclair/typebox';

/**
 * Shared string shapes. They use `pattern` rather than `format` so that both Ajv (Fastify)
 * and TypeBox's own `Value.Check` (vehicles, workers) enforce them without a format registry.
 */
export const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const ISO_TIME_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$';

export const Uuid = (description?: string) =>
  Type.String({ pattern: UUID_PATTERN, ...(description ? { description } : {}) });

export const IsoTime = (description?: string) =>
  Type.String({
    pattern: ISO_TIME_PATTERN,
    maxLength: 40,
    ...(description ? { description } : {}),
  });

export const VEHICLE_ID_MAX = 64;
/** Vehicle ids are topic segments: no `/`, `+`, `#`, whitespace or control characters. */
export const VEHICLE_ID_PATTERN = '^[A-Za-z0-9._:-]{1,64}$';
export const VehicleId = () =>
  Type.String({ pattern: VEHICLE_ID_PATTERN, minLength: 1, maxLength: VEHICLE_ID_MAX });

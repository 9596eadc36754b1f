import { z } from 'zod';

/** What a room is used for: the site file's `rooms[].type`, and what the coverage audit's rules key on. */
export const RoomType = z.enum(['bedroom', 'activity', 'corridor', 'kitchen', 'bathroom', 'office', 'living', 'entrance']);
export type RoomType = z.infer<typeof RoomType>;

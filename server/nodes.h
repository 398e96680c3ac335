/*
 * nodes: the Redis nodes the hub uses, and which one serves each room:
 * the one Redis (--redis), the master the Sentinels name
 * (--redis-sentinel), or every master of a Redis Cluster
 * (--redis-cluster), each room on the master of its hash slot. A node has
 * a command and a subscriber connection (rconn.h), a heartbeat that judges
 * it alive, its held replies for --redis-replicas (replicas.h) and the
 * room channels subscribed on it. store.c runs the scripts on them.
 *
 * Room events come by sharded Pub/Sub on "surak:ev:{ROOM}" (in the room's
 * slot). A subscription lost without being left (its node's subscriber
 * went, or Redis took it away when the slot moved) is told per room
 * (store_hooks.on_lost); the room subscribes again wherever the map says.
 */
#ifndef SURAK_NODES_H
#define SURAK_NODES_H

#include <stddef.h>
#include <uv.h>

#include "store.h"

struct config;
struct node;
struct rconn;
struct replicas;

#define NODES_CHAN_MAX 320	/* a room's channel name */

/* load_scripts(cmd): the setup of every command connection (SCRIPT LOAD). */
int nodes_init(uv_loop_t *loop, const struct config *cfg, const struct store_hooks *hooks, const char *hub_id,
    void (*load_scripts)(struct rconn *cmd));
void nodes_shutdown(void);

/* The node that serves a room, or NULL while that is not known. */
struct node *nodes_route(const char *room);
/* A cluster's MOVED: the slot is at host:port now (the map is read again); NULL without a cluster. */
struct node *nodes_moved(unsigned slot, const char *host, int port);
/* Where the nodes are is to be asked again (a node failed, refused a write, or the cluster changed). */
void nodes_stale(void);

struct rconn *node_cmd(const struct node *n);
struct replicas *node_replicas(const struct node *n);
const char *node_name(const struct node *n);

/* A room's event channel, "surak:ev:{ROOM}" (with the db: "surak:DB:ev:{ROOM}"). */
void nodes_channel(char *out, size_t n, const char *room);

/* Every slot (the one Redis) served by a node whose command (and subscriber) connection is up. */
int nodes_ready(void);
int nodes_healthy(void);
int nodes_subscribe(const char *room);
int nodes_unsubscribe(const char *room);

/* The Redis figures of /metrics, summed over the nodes. */
void nodes_sync_metrics(void);

#endif

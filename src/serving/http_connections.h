// The HTTP front end's connection bookkeeping: the caps on open connections
// (in total and per peer address), which connections are idle, and who to
// close to make room. No sockets here: a connection is a ConnectionSlot the
// front end embeds, and closing one is its Sheddable::shed().
//
// A connection is in one phase at a time:
//   idle     waiting for a request's first byte (a new connection, one kept
//            alive between requests, or one lingering before its close);
//   reading  a request has begun: its headers and body are arriving;
//   busy     its request is in a handler or its response is being written.
// Only idle connections are shed to make room; stop sheds idle and reading
// ones and lets busy ones finish.
//
// Thread-safety: every member function locks one mutex; shed() is called
// without it held.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace invr::serving {

// What the table closes to make room: the connection's owner.
class Sheddable {
 public:
  virtual ~Sheddable() = default;
  // Closes the connection soon (from the caller's thread: post, do not block).
  virtual void shed() = 0;
};

enum class ConnectionPhase { idle, reading, busy };

// One connection's entry, owned by the connection and registered with the
// table by admit() until release().
struct ConnectionSlot {
  std::string peer;                 // the peer's IP address
  std::weak_ptr<Sheddable> owner;   // what shed() closes
  ConnectionPhase phase = ConnectionPhase::idle;
  bool registered = false;  // in the table's list
  bool counted = false;     // holds a place under the caps (false once shed)
  bool shed = false;        // closed by the table: the owner must not go on
  std::list<ConnectionSlot*>::iterator at;  // in the table's list (oldest first)
};

enum class Admission { admitted, refused_total, refused_peer, refused_stopping };

class ConnectionTable {
 public:
  ConnectionTable(std::size_t max_total, std::size_t max_per_peer);
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  // Registers a new connection (slot.peer and slot.owner set) as idle. At the
  // per-peer cap the peer's longest-idle connection is shed to make room, at
  // the total cap the longest-idle of any peer; without one to shed the new
  // connection is refused (and not registered). `shed` receives the owners
  // to shed() once the caller holds no lock; `shed_count` how many were shed.
  Admission admit(ConnectionSlot& slot, std::vector<std::shared_ptr<Sheddable>>& shed,
                  std::size_t& shed_count);
  // Phase changes. False when the connection was shed (or the table is
  // stopping and the phase is not busy): the owner must close it.
  bool set_phase(ConnectionSlot& slot, ConnectionPhase phase);
  // Unregisters a connection (from its destructor or close): frees its place.
  void release(ConnectionSlot& slot);

  // Stops admitting, marks idle and reading connections shed and returns
  // their owners to shed(); busy ones finish their response, then close.
  std::vector<std::shared_ptr<Sheddable>> begin_stop();
  // Blocks until every connection is released.
  void wait_until_empty();

  std::size_t open() const;  // connections holding a place under the caps

 private:
  // The longest-idle connection (of `peer`, when given) marked shed, or null.
  ConnectionSlot* take_idle(const std::string* peer);
  void uncount(ConnectionSlot& slot);

  const std::size_t max_total_;
  const std::size_t max_per_peer_;
  mutable std::mutex mutex_;
  std::condition_variable emptied_;
  std::list<ConnectionSlot*> slots_;  // registered connections, oldest phase change first
  std::size_t counted_ = 0;
  std::unordered_map<std::string, std::size_t> per_peer_;
  bool stopping_ = false;
};

}  // namespace invr::serving

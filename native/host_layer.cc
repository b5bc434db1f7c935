#include "host_layer.h"

namespace tf {

namespace {
thread_local HostHooks* currentHooks = nullptr;
}  // namespace

HostScope::HostScope(HostHooks* hooks) : saved_(currentHooks) { currentHooks = hooks; }
HostScope::~HostScope() { currentHooks = saved_; }
HostHooks* HostScope::current() { return currentHooks; }

}  // namespace tf

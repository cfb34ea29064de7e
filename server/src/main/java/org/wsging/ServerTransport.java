package org.wsging;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/** The I/O transport: native epoll on Linux when it loads, the JDK's NIO otherwise. */
public record ServerTransport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel) {

    public static ServerTransport best() {
        if (Epoll.isAvailable()) {
            return new ServerTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
        }
        return nio();
    }

    public static ServerTransport nio() {
        return new ServerTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }
}
